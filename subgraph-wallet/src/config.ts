import { envField, parseEnv } from '@walletgraph/platform/core';
import { kafkaCredentialFields, refineKafkaCredentials, resolveKafkaAuth, Topics, type KafkaAuthConfig } from '@walletgraph/platform/kafka';
import { authEnvFields, refineAuthEnv, resolveAuthConfig, type AuthConfig } from '@walletgraph/platform/auth';
import { refineTracingEnv, resolveTracingConfig, tracingEnvFields, type TracingConfig } from '@walletgraph/platform/tracing';
import { z } from 'zod';

/** A TCP port; 0 asks the OS for a free one (tests, side-by-side instances). */
const listenPort = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

/** The wallet database and its Kafka topics: read the same way by the service and the reconciler. */
export const walletStoreEnvFields = {
  WALLET_DATABASE_URL: envField.mysqlUrl('mysql://root@127.0.0.1:3306/wallet'),
  KAFKA_BROKERS: envField.kafkaBrokers(),
  KAFKA_TOPIC_TRANSACTIONS: envField.topic(Topics.transactions),
  KAFKA_TOPIC_BALANCES: envField.topic(Topics.balances),
};

const schema = z
  .object({
    ...authEnvFields,
    ...tracingEnvFields,
    ...walletStoreEnvFields,
    ...kafkaCredentialFields('wallet'),
    WALLET_PORT: listenPort(4001),
    WALLET_REST_PORT: listenPort(8080),
    WALLET_HOST: z.string().min(1).default('0.0.0.0'),
    LOG_LEVEL: envField.logLevel(),
    KAFKA_TOPIC_PARTITIONS: envField.positiveInt(3, 1_000),
    OUTBOX_RELAY_ENABLED: envField.bool(true),
    OUTBOX_RELAY_BATCH_SIZE_MAX: envField.positiveInt(200, 10_000),
    OUTBOX_RELAY_IDLE_POLL_MS_MAX: envField.positiveInt(1_000, 60_000),
    OUTBOX_RELAY_LOCK_RETRY_MS: envField.positiveInt(2_000, 60_000),
    OUTBOX_RELAY_BACKOFF_MS_MAX: envField.positiveInt(10_000, 300_000),
    OUTBOX_RELAY_SEND_RETRY_COUNT_MAX: envField.positiveInt(5, 100),
    DATABASE_POOL_SIZE_MAX: envField.positiveInt(10, 500),
    DATABASE_ACQUIRE_TIMEOUT_MS: envField.positiveInt(5_000, 120_000),
    TRANSFER_RETRY_COUNT_MAX: envField.positiveInt(5, 50),
    WALLET_TRANSFER_BATCH_SIZE_MAX: envField.positiveInt(64, 500),
    WALLET_TRANSFER_BATCH_WINDOW_MS: z.coerce.number().int().min(0).max(100).default(0),
    WALLET_TRANSFER_BATCHES_IN_FLIGHT_MAX: envField.positiveInt(1, 64),
    TRANSACTION_TIMEOUT_MS: envField.positiveInt(10_000, 120_000),
    HTTP_BODY_BYTES_MAX: envField.positiveInt(1_048_576, 64 * 1_048_576),
    SHUTDOWN_DEADLINE_MS: envField.positiveInt(10_000, 120_000),
  })
  .superRefine(refineAuthEnv)
  .superRefine(refineTracingEnv)
  .superRefine((env, ctx) => refineKafkaCredentials('wallet', env, ctx));

export interface OutboxRelayConfig {
  /** Rows read and published per round. */
  readonly batchSizeMax: number;
  /** Longest wait between polls when the outbox is empty (doubles from 25 ms up to this). */
  readonly idlePollMsMax: number;
  /** How often a standby instance retries the relay lock. */
  readonly lockRetryMs: number;
  /** Longest backoff between publish attempts while Kafka is down. */
  readonly backoffMsMax: number;
  /** kafkajs retries per send before our own backoff takes over. */
  readonly sendRetryCountMax: number;
}

export interface WalletConfig {
  readonly databaseUrl: string;
  readonly kafkaBrokers: readonly string[];
  /** SASL/SCRAM credentials of the `wallet` principal (KAFKA_WALLET_USERNAME / KAFKA_WALLET_PASSWORD). */
  readonly kafkaAuth: KafkaAuthConfig;
  readonly graphqlPort: number;
  readonly restPort: number;
  readonly host: string;
  readonly logLevel: string;
  /** OpenTelemetry (OTEL_* variables); off without an exporter endpoint. */
  readonly tracing: TracingConfig;
  readonly topics: { readonly transactions: string; readonly balances: string; readonly partitionCount: number };
  readonly outboxRelayEnabled: boolean;
  readonly outboxRelay: OutboxRelayConfig;
  readonly databasePoolSizeMax: number;
  readonly databaseAcquireTimeoutMs: number;
  readonly transferRetryCountMax: number;
  /** Group commit: transfers per transaction (1 = off), the first one's wait for others, batch transactions at a time. */
  readonly transferBatch: { readonly sizeMax: number; readonly windowMs: number; readonly inFlightMax: number };
  readonly transactionTimeoutMs: number;
  readonly httpBodyBytesMax: number;
  readonly shutdownDeadlineMs: number;
  /** Internal identity secret (GraphQL), user-token settings and dev mode (REST). */
  readonly auth: AuthConfig;
}

/** The only reader of the environment in this process; throws ConfigError listing every problem. */
export function loadWalletConfig(env: NodeJS.ProcessEnv): WalletConfig {
  const e = parseEnv('subgraph-wallet', schema, env);
  return {
    databaseUrl: e.WALLET_DATABASE_URL,
    kafkaBrokers: e.KAFKA_BROKERS,
    kafkaAuth: resolveKafkaAuth('wallet', e),
    graphqlPort: e.WALLET_PORT,
    restPort: e.WALLET_REST_PORT,
    host: e.WALLET_HOST,
    logLevel: e.LOG_LEVEL,
    tracing: resolveTracingConfig(e, 'subgraph-wallet'),
    topics: { transactions: e.KAFKA_TOPIC_TRANSACTIONS, balances: e.KAFKA_TOPIC_BALANCES, partitionCount: e.KAFKA_TOPIC_PARTITIONS },
    outboxRelayEnabled: e.OUTBOX_RELAY_ENABLED,
    outboxRelay: {
      batchSizeMax: e.OUTBOX_RELAY_BATCH_SIZE_MAX,
      idlePollMsMax: e.OUTBOX_RELAY_IDLE_POLL_MS_MAX,
      lockRetryMs: e.OUTBOX_RELAY_LOCK_RETRY_MS,
      backoffMsMax: e.OUTBOX_RELAY_BACKOFF_MS_MAX,
      sendRetryCountMax: e.OUTBOX_RELAY_SEND_RETRY_COUNT_MAX,
    },
    databasePoolSizeMax: e.DATABASE_POOL_SIZE_MAX,
    databaseAcquireTimeoutMs: e.DATABASE_ACQUIRE_TIMEOUT_MS,
    transferRetryCountMax: e.TRANSFER_RETRY_COUNT_MAX,
    transferBatch: {
      sizeMax: e.WALLET_TRANSFER_BATCH_SIZE_MAX,
      windowMs: e.WALLET_TRANSFER_BATCH_WINDOW_MS,
      inFlightMax: e.WALLET_TRANSFER_BATCHES_IN_FLIGHT_MAX,
    },
    transactionTimeoutMs: e.TRANSACTION_TIMEOUT_MS,
    httpBodyBytesMax: e.HTTP_BODY_BYTES_MAX,
    shutdownDeadlineMs: e.SHUTDOWN_DEADLINE_MS,
    auth: resolveAuthConfig(e),
  };
}
