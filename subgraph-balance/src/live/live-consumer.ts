import { randomUUID } from 'node:crypto';
import { retry, UnavailableError, type Logger } from '@walletgraph/platform/core';
import { createGroupConsumer } from '@walletgraph/platform/kafka';
import { KafkaJSError, type Consumer, type Kafka } from 'kafkajs';
import { MetricName, type Metrics } from '../metrics.js';
import type { BalancePubSub } from './balance-pubsub.js';
import { decodeLiveBalance } from './live-message.js';
import { inLiveConsumeSpan } from './live-trace.js';

export interface LiveConsumerConfig {
  readonly topic: string;
  /** The group id is `<prefix>-<uuid>`: a group of one, so every instance receives every update. */
  readonly groupPrefix: string;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** How long start() waits for the first partition assignment. */
  readonly joinTimeoutMs: number;
  /** Longest the broker holds a fetch that found nothing (kafkajs `maxWaitTimeInMs`, whose 5 s default delays the first update after a quiet spell). */
  readonly fetchWaitMsMax: number;
}

/**
 * Reading the topic's end offsets right after the topic was created (a fresh cluster, a test run)
 * can meet a partition whose leader is not elected yet ("This server is not the leader"): kafkajs
 * marks that retriable, and a few jittered attempts outlast the election.
 */
const OFFSETS_RETRY = { attemptCountMax: 8, delayMsInitial: 100, delayMsMax: 2_000 } as const;
const isRetriableKafkaError = (error: unknown): boolean => error instanceof KafkaJSError && error.retriable;

export interface LiveConsumer {
  /** Resolves once the consumer has joined and owns every partition of the live topic. */
  start(): Promise<void>;
  stop(): Promise<void>;
  isRunning(): boolean;
}

/** Resolves when `created` has joined its group; UnavailableError after `joinTimeoutMs`. */
async function waitForJoin(created: Consumer, joinTimeoutMs: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      removeListener();
      reject(new UnavailableError(`live consumer did not join within ${joinTimeoutMs} ms`));
    }, joinTimeoutMs);
    const removeListener = created.on(created.events.GROUP_JOIN, () => {
      clearTimeout(timer);
      removeListener();
      resolve();
    });
  });
}

/** How often the live consumer commits the offsets it has passed to subscribers. */
const LIVE_OFFSET_COMMIT_INTERVAL_MS = 1_000;

/** Every partition of `topic` at its end offset now. */
async function seekToEnd(kafka: Kafka, created: Consumer, topic: string, logger: Logger): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Explicit offsets, so "from now on" means the moment start() resolves, not a later first fetch.
    const offsets = await retry(() => admin.fetchTopicOffsets(topic), {
      ...OFFSETS_RETRY,
      shouldRetry: isRetriableKafkaError,
      onRetry: (error, attempt, delayMs) => logger.warn({ err: error, attempt, delayMs }, 'reading the live topic offsets failed; retrying'),
    });
    for (const { partition, offset } of offsets) created.seek({ topic, partition, offset });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Feeds the local pub/sub from `balances.live`. It starts at the end of the topic: a
 * subscriber only wants updates committed after it subscribed.
 */
export function createLiveConsumer(
  deps: { readonly kafka: Kafka; readonly pubsub: BalancePubSub; readonly metrics: Metrics; readonly logger: Logger },
  config: LiveConsumerConfig,
): LiveConsumer {
  const groupId = `${config.groupPrefix}-${randomUUID()}`;
  const logger = deps.logger.child({ component: 'live-consumer', groupId });
  let consumer: Consumer | undefined;
  let running = false;

  return {
    async start() {
      const created = createGroupConsumer(deps.kafka, { ...config, groupId }, logger, 'live consumer', () => {
        running = false;
      });
      consumer = created;
      await created.connect();
      await created.subscribe({ topics: [config.topic], fromBeginning: false });
      const joined = waitForJoin(created, config.joinTimeoutMs);
      await created.run({
        // Offsets committed (at most once a second) in this instance's own group: when kafkajs restarts
        // a crashed consumer (a broker gone for longer than its retries) it resumes from them instead
        // of the topic's end, so updates published meanwhile still reach this instance's subscribers
        // (a few replayed ones are dropped by version). Seen in the three-broker chaos suite: a
        // subscriber left on no version while the read model moved on.
        autoCommit: true,
        autoCommitInterval: LIVE_OFFSET_COMMIT_INTERVAL_MS,
        // kafkajs awaits it inside its own try: a throw here is handled as a rejection would be.
        eachMessage: ({ message }) => {
          const update = decodeLiveBalance(message.value);
          if (update === undefined) {
            deps.metrics.increment(MetricName.liveEventsInvalid);
            logger.warn({ offset: message.offset }, 'ignoring a malformed live balance message');
            return Promise.resolve();
          }
          deps.metrics.increment(MetricName.liveEventsReceived);
          return inLiveConsumeSpan(config.topic, message.headers, update, () => deps.pubsub.publish(update));
        },
      });
      await joined;
      await seekToEnd(deps.kafka, created, config.topic, logger);
      running = true;
      logger.info({ topic: config.topic }, 'live consumer started');
    },
    async stop() {
      running = false;
      const current = consumer;
      consumer = undefined;
      await current?.disconnect();
    },
    isRunning: () => running,
  };
}
