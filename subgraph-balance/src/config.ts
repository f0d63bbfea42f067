import { envField, parseEnv } from '@walletgraph/platform/core';
import { refineTracingEnv, resolveTracingConfig, tracingEnvFields, type TracingConfig } from '@walletgraph/platform/tracing';
import { kafkaCredentialFields, refineKafkaCredentials, resolveKafkaAuth, Topics, type KafkaAuthConfig } from '@walletgraph/platform/kafka';
import { authEnvFields, refineAuthEnv, resolveAuthConfig, type AuthConfig } from '@walletgraph/platform/auth';
import { z } from 'zod';

const schema = z
  .object({
    ...authEnvFields,
    ...tracingEnvFields,
    WALLET_SUBGRAPH_URL: z
      .string()
      .default('http://127.0.0.1:4001/graphql')
      .refine((value) => /^https?:\/\/[^/\s]+\/\S*$/.test(value), { message: 'must be an http(s) URL such as http://127.0.0.1:4001/graphql' }),
    BALANCE_OWNERSHIP_CACHE_ENTRIES_MAX: envField.positiveInt(100_000, 10_000_000),
    BALANCE_OWNERSHIP_TIMEOUT_MS: envField.positiveInt(5_000, 60_000),
    BALANCE_DATABASE_URL: envField.mysqlUrl('mysql://root@127.0.0.1:3306/ms_balance'),
    DATABASE_POOL_SIZE_MAX: envField.positiveInt(10, 200),
    DATABASE_ACQUIRE_TIMEOUT_MS: envField.positiveInt(5_000, 60_000),
    DATABASE_TRANSACTION_TIMEOUT_MS: envField.positiveInt(10_000, 120_000),
    KAFKA_BROKERS: envField.kafkaBrokers(),
    ...kafkaCredentialFields('balance'),
    KAFKA_CLIENT_ID: z.string().min(1).default('walletgraph-balance'),
    BALANCE_PORT: z.coerce.number().int().min(0).max(65_535).default(4002),
    BALANCE_REST_PORT: z.coerce.number().int().min(0).max(65_535).default(3003),
    BALANCE_HOST: z.string().min(1).default('0.0.0.0'),
    LOG_LEVEL: envField.logLevel(),
    BALANCE_CONSUMER_GROUP: z.string().min(1).max(200).default('walletgraph-balance'),
    BALANCE_LIVE_GROUP_PREFIX: z.string().min(1).max(150).default('walletgraph-balance-live'),
    KAFKA_TOPIC_BALANCES: envField.topic(Topics.balances),
    KAFKA_TOPIC_BALANCES_DLQ: envField.topic(Topics.balancesDeadLetter),
    KAFKA_TOPIC_BALANCES_LIVE: envField.topic(Topics.balanceLive),
    KAFKA_TOPIC_PARTITIONS: envField.positiveInt(3, 1_000),
    KAFKA_ENSURE_TOPICS: envField.bool(true),
    CONSUMER_SESSION_TIMEOUT_MS: envField.positiveInt(30_000, 300_000),
    CONSUMER_HEARTBEAT_INTERVAL_MS: envField.positiveInt(3_000, 60_000),
    LIVE_CONSUMER_JOIN_TIMEOUT_MS: envField.positiveInt(30_000, 300_000),
    CONSUMER_COMMIT_INTERVAL_MS: envField.positiveInt(1_000, 60_000),
    CONSUMER_COMMIT_THRESHOLD_MESSAGES: envField.positiveInt(100, 100_000),
    CONSUMER_FETCH_WAIT_MS_MAX: envField.positiveInt(100, 10_000),
    CONSUMER_PARTITIONS_CONCURRENT_MAX: z.coerce.number().int().positive().max(256).optional(),
    PROJECTION_BATCH_SIZE_MAX: envField.positiveInt(200, 5_000),
    RETRY_DELAY_MS_INITIAL: envField.positiveInt(200, 60_000),
    RETRY_DELAY_MS_MAX: envField.positiveInt(10_000, 300_000),
    SUBSCRIPTIONS_PER_CONNECTION_MAX: envField.positiveInt(20, 10_000),
    SUBSCRIPTIONS_MAX: envField.positiveInt(20_000, 1_000_000),
    SUBSCRIPTION_QUEUE_EVENTS_MAX: envField.positiveInt(100, 100_000),
    SUBSCRIBER_BUFFERED_BYTES_MAX: envField.positiveInt(1_048_576, 1_073_741_824),
    HTTP_BODY_BYTES_MAX: envField.positiveInt(102_400, 10_485_760),
    BALANCE_LOADER_BATCH_SIZE_MAX: envField.positiveInt(500, 10_000),
    SHUTDOWN_DEADLINE_MS: envField.positiveInt(10_000, 120_000),
    BALANCE_HISTORY_VERSIONS_PER_ACCOUNT_MAX: envField.positiveInt(10_000, 10_000_000),
    BALANCE_HISTORY_AGE_MS_MAX: envField.positiveInt(7 * 24 * 3_600_000, 366 * 24 * 3_600_000),
    BALANCE_HISTORY_PRUNE_INTERVAL_MS: envField.positiveInt(60_000, 3_600_000),
    BALANCE_HISTORY_PRUNE_ROWS_MAX: envField.positiveInt(10_000, 1_000_000),
    BALANCE_REPLAY_PAGE_ROWS_MAX: envField.positiveInt(500, 10_000),
    BALANCE_HISTORY_GAP_WAIT_MS_MAX: envField.positiveInt(10_000, 120_000),
    BALANCE_MIN_VERSION_WAIT_MS_MAX: envField.positiveInt(5_000, 60_000),
    BALANCE_MIN_VERSION_WAITERS_MAX: envField.positiveInt(10_000, 1_000_000),
  })
  .superRefine(refineAuthEnv)
  .superRefine(refineTracingEnv)
  .superRefine((env, ctx) => refineKafkaCredentials('balance', env, ctx))
  .superRefine((env, context) => {
    // Each partition in progress holds a pool connection for its transaction.
    const concurrent = env.CONSUMER_PARTITIONS_CONCURRENT_MAX;
    if (concurrent !== undefined && concurrent > env.DATABASE_POOL_SIZE_MAX) {
      context.addIssue({
        code: 'custom',
        path: ['CONSUMER_PARTITIONS_CONCURRENT_MAX'],
        message: `must not exceed DATABASE_POOL_SIZE_MAX (${env.DATABASE_POOL_SIZE_MAX})`,
      });
    }
  });

export interface BalanceConfig {
  readonly databaseUrl: string;
  readonly databasePoolSizeMax: number;
  readonly databaseAcquireTimeoutMs: number;
  readonly databaseTransactionTimeoutMs: number;
  readonly kafkaBrokers: readonly string[];
  /** SASL/SCRAM credentials of the `balance` principal (KAFKA_BALANCE_USERNAME / KAFKA_BALANCE_PASSWORD). */
  readonly kafkaAuth: KafkaAuthConfig;
  readonly kafkaClientId: string;
  readonly port: number;
  readonly restPort: number;
  readonly host: string;
  readonly logLevel: string;
  /** OpenTelemetry (OTEL_* variables); off without an exporter endpoint. */
  readonly tracing: TracingConfig;
  readonly consumerGroup: string;
  /** Each instance's live consumer group is `<prefix>-<random uuid>`: every instance sees every live event. */
  readonly liveGroupPrefix: string;
  readonly topics: { readonly balances: string; readonly deadLetter: string; readonly live: string };
  readonly topicPartitionCount: number;
  /** Create missing topics at start (local and tests); off where topics are provisioned. */
  readonly ensureTopics: boolean;
  readonly consumerSessionTimeoutMs: number;
  readonly consumerHeartbeatIntervalMs: number;
  readonly liveConsumerJoinTimeoutMs: number;
  readonly consumerCommitIntervalMs: number;
  readonly consumerCommitThresholdMessages: number;
  /** Longest the broker holds a fetch that found nothing, for both consumers (kafkajs default 5 s would delay the first event after a quiet spell). */
  readonly consumerFetchWaitMsMax: number;
  /** Partitions of `balances` the projector applies at the same time (default: the partition count, at most the pool size). */
  readonly consumerPartitionsConcurrentMax: number;
  /** Consecutive messages of one partition applied in one DB transaction. */
  readonly projectionBatchSizeMax: number;
  readonly retryDelayMsInitial: number;
  readonly retryDelayMsMax: number;
  readonly subscriptionsPerConnectionMax: number;
  readonly subscriptionsMax: number;
  readonly subscriptionQueueEventsMax: number;
  readonly subscriberBufferedBytesMax: number;
  readonly httpBodyBytesMax: number;
  readonly loaderBatchSizeMax: number;
  readonly shutdownDeadlineMs: number;
  /** Internal identity secret (GraphQL, WebSocket), user-token settings and dev mode (REST). */
  readonly auth: AuthConfig;
  /** Retention of `balance_history` (what a resuming subscription can replay). */
  readonly history: {
    readonly versionsPerAccountMax: number;
    readonly ageMsMax: number;
    readonly pruneIntervalMs: number;
    readonly pruneRowsMax: number;
    readonly replayPageRowsMax: number;
    readonly gapWaitMsMax: number;
  };
  /** `balance(minVersion)`: longest wait, and how many reads may wait at once on this instance. */
  readonly minVersion: { readonly waitMsMax: number; readonly waitersMax: number };
  /** Who owns an account is the wallet's fact: asked from its subgraph, positive answers cached. */
  readonly ownership: { readonly walletSubgraphUrl: string; readonly cacheEntriesMax: number; readonly timeoutMs: number };
}

/** Reads and validates the environment once; throws ConfigError listing every problem. */
export function loadBalanceConfig(env: NodeJS.ProcessEnv): BalanceConfig {
  const e = parseEnv('subgraph-balance', schema, env);
  return {
    databaseUrl: e.BALANCE_DATABASE_URL,
    databasePoolSizeMax: e.DATABASE_POOL_SIZE_MAX,
    databaseAcquireTimeoutMs: e.DATABASE_ACQUIRE_TIMEOUT_MS,
    databaseTransactionTimeoutMs: e.DATABASE_TRANSACTION_TIMEOUT_MS,
    kafkaBrokers: e.KAFKA_BROKERS,
    kafkaAuth: resolveKafkaAuth('balance', e),
    kafkaClientId: e.KAFKA_CLIENT_ID,
    port: e.BALANCE_PORT,
    restPort: e.BALANCE_REST_PORT,
    host: e.BALANCE_HOST,
    logLevel: e.LOG_LEVEL,
    tracing: resolveTracingConfig(e, 'subgraph-balance'),
    consumerGroup: e.BALANCE_CONSUMER_GROUP,
    liveGroupPrefix: e.BALANCE_LIVE_GROUP_PREFIX,
    topics: { balances: e.KAFKA_TOPIC_BALANCES, deadLetter: e.KAFKA_TOPIC_BALANCES_DLQ, live: e.KAFKA_TOPIC_BALANCES_LIVE },
    topicPartitionCount: e.KAFKA_TOPIC_PARTITIONS,
    ensureTopics: e.KAFKA_ENSURE_TOPICS,
    consumerSessionTimeoutMs: e.CONSUMER_SESSION_TIMEOUT_MS,
    consumerHeartbeatIntervalMs: e.CONSUMER_HEARTBEAT_INTERVAL_MS,
    liveConsumerJoinTimeoutMs: e.LIVE_CONSUMER_JOIN_TIMEOUT_MS,
    consumerCommitIntervalMs: e.CONSUMER_COMMIT_INTERVAL_MS,
    consumerCommitThresholdMessages: e.CONSUMER_COMMIT_THRESHOLD_MESSAGES,
    consumerFetchWaitMsMax: e.CONSUMER_FETCH_WAIT_MS_MAX,
    consumerPartitionsConcurrentMax: e.CONSUMER_PARTITIONS_CONCURRENT_MAX ?? Math.min(e.KAFKA_TOPIC_PARTITIONS, e.DATABASE_POOL_SIZE_MAX, 256),
    projectionBatchSizeMax: e.PROJECTION_BATCH_SIZE_MAX,
    retryDelayMsInitial: e.RETRY_DELAY_MS_INITIAL,
    retryDelayMsMax: e.RETRY_DELAY_MS_MAX,
    subscriptionsPerConnectionMax: e.SUBSCRIPTIONS_PER_CONNECTION_MAX,
    subscriptionsMax: e.SUBSCRIPTIONS_MAX,
    subscriptionQueueEventsMax: e.SUBSCRIPTION_QUEUE_EVENTS_MAX,
    subscriberBufferedBytesMax: e.SUBSCRIBER_BUFFERED_BYTES_MAX,
    httpBodyBytesMax: e.HTTP_BODY_BYTES_MAX,
    loaderBatchSizeMax: e.BALANCE_LOADER_BATCH_SIZE_MAX,
    shutdownDeadlineMs: e.SHUTDOWN_DEADLINE_MS,
    auth: resolveAuthConfig(e),
    history: {
      versionsPerAccountMax: e.BALANCE_HISTORY_VERSIONS_PER_ACCOUNT_MAX,
      ageMsMax: e.BALANCE_HISTORY_AGE_MS_MAX,
      pruneIntervalMs: e.BALANCE_HISTORY_PRUNE_INTERVAL_MS,
      pruneRowsMax: e.BALANCE_HISTORY_PRUNE_ROWS_MAX,
      replayPageRowsMax: e.BALANCE_REPLAY_PAGE_ROWS_MAX,
      gapWaitMsMax: e.BALANCE_HISTORY_GAP_WAIT_MS_MAX,
    },
    minVersion: { waitMsMax: e.BALANCE_MIN_VERSION_WAIT_MS_MAX, waitersMax: e.BALANCE_MIN_VERSION_WAITERS_MAX },
    ownership: { walletSubgraphUrl: e.WALLET_SUBGRAPH_URL, cacheEntriesMax: e.BALANCE_OWNERSHIP_CACHE_ENTRIES_MAX, timeoutMs: e.BALANCE_OWNERSHIP_TIMEOUT_MS },
  };
}
