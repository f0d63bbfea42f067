import { createHash } from 'node:crypto';
import { assert, backoffDelayMs, sleep, type Logger } from '@walletgraph/platform/core';
import { connectMariaDb, parseMysqlUrl } from '@walletgraph/platform/db';
import { Partitioners, type Kafka, type Message, type PartitionMetadata, type Producer, type TopicMessages } from 'kafkajs';
import type { Connection } from 'mariadb';
import { withTraceHeaders, type TraceCarrier } from '@walletgraph/platform/tracing';
import type { OutboxRelayConfig } from '../config.js';
import { startPublishSpans } from './publish-trace.js';

export interface OutboxRelayDeps {
  readonly logger: Logger;
  readonly kafka: Kafka;
}

export interface OutboxRelaySettings extends OutboxRelayConfig {
  readonly databaseUrl: string;
}

export type RelayRole = 'stopped' | 'standby' | 'active';

export interface OutboxRelayStatus {
  readonly role: RelayRole;
  /** Consecutive failed publish attempts of the current batch (0 when Kafka is fine). */
  readonly sendFailureCount: number;
  readonly publishedCount: number;
}

export interface OutboxRelay {
  start(): void;
  stop(): Promise<void>;
  /** A local commit wrote outbox rows: publish now instead of at the next poll. */
  wake(): void;
  status(): OutboxRelayStatus;
}

/** One relay per database across all instances: the lock is server-wide, so it is scoped by database name. */
export const RELAY_LOCK_PREFIX = 'walletgraph_outbox_relay';
const LOCK_NAME_LENGTH_MAX = 64;
const IDLE_POLL_MS_MIN = 25;

export function relayLockName(databaseName: string): string {
  const name = `${RELAY_LOCK_PREFIX}.${databaseName}`;
  if (name.length <= LOCK_NAME_LENGTH_MAX) return name;
  return `${RELAY_LOCK_PREFIX}.${createHash('sha256')
    .update(databaseName)
    .digest('hex')
    .slice(0, LOCK_NAME_LENGTH_MAX - RELAY_LOCK_PREFIX.length - 1)}`;
}

interface OutboxRow {
  readonly id: bigint | number;
  readonly topic: string;
  readonly message_key: string;
  readonly payload: string;
  readonly headers: string;
  readonly trace_context: string | null;
}

function parseHeaders(text: string): Record<string, string> {
  const parsed: unknown = JSON.parse(text);
  assert(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed), 'outbox headers are not an object');
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

const partitionOf = Partitioners.DefaultPartitioner();

/**
 * Groups rows by topic-partition (the producer's own partitioner, so keys land where they always
 * did), keeping id order inside each, so each sendBatch goes to one partition leader. kafkajs 2.2.4
 * loses messages otherwise: when a retry of a multi-broker batch finds a failed broker's partitions
 * led by a broker that already answered, it skips them and still resolves (sendMessages keeps one
 * response per broker), which a leader failover on a three-broker cluster triggered.
 */
function toPartitionBatches(
  rows: readonly OutboxRow[],
  partitions: ReadonlyMap<string, PartitionMetadata[]>,
  traceOf: (row: OutboxRow) => TraceCarrier | undefined,
): TopicMessages[] {
  const byPartition = new Map<string, TopicMessages>();
  for (const row of rows) {
    const metadata = partitions.get(row.topic);
    if (metadata === undefined || metadata.length === 0) throw new Error(`no partition metadata for topic ${row.topic}`);
    const message: Message = { key: row.message_key, value: row.payload, headers: withTraceHeaders(parseHeaders(row.headers), traceOf(row)) };
    const partition = partitionOf({ topic: row.topic, partitionMetadata: metadata, message });
    const group = byPartition.get(`${row.topic}/${partition}`) ?? { topic: row.topic, messages: [] };
    group.messages.push({ ...message, partition });
    byPartition.set(`${row.topic}/${partition}`, group);
  }
  return [...byPartition.values()];
}

/**
 * Publishes outbox rows in id order. Only the instance holding GET_LOCK on its dedicated connection
 * publishes; it reads and marks rows on that same connection, so losing the connection loses the
 * role. A failed batch is retried (jittered, capped backoff) until it goes out: never skipped.
 */
export function createOutboxRelay(deps: OutboxRelayDeps, settings: OutboxRelaySettings): OutboxRelay {
  const target = parseMysqlUrl(settings.databaseUrl);
  const lockName = relayLockName(target.database);
  const logger = deps.logger.child({ component: 'outbox-relay' });
  let role: RelayRole = 'stopped';
  let sendFailureCount = 0;
  let publishedCount = 0;
  let abort = new AbortController();
  let loop: Promise<void> | undefined;
  let wakePending = false;
  let wakeNow: (() => void) | undefined;

  const idleWait = (ms: number): Promise<void> => {
    if (wakePending || abort.signal.aborted) {
      wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        abort.signal.removeEventListener('abort', done);
        wakeNow = undefined;
        wakePending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakeNow = done;
      abort.signal.addEventListener('abort', done, { once: true });
    });
  };

  const newProducer = async (): Promise<Producer> => {
    const producer = deps.kafka.producer({
      idempotent: true,
      // kafkajs keeps strict per-partition order with idempotence only with one request in flight.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: settings.sendRetryCountMax, initialRetryTime: 100, maxRetryTime: 2_000 },
    });
    await producer.connect();
    return producer;
  };

  /** Partitions per topic, read when a producer is made (a failure makes both anew). */
  let partitions: Map<string, PartitionMetadata[]> | undefined;
  const partitionsOf = async (topics: readonly string[]): Promise<Map<string, PartitionMetadata[]>> => {
    if (partitions !== undefined && topics.every((topic) => partitions?.has(topic))) return partitions;
    const admin = deps.kafka.admin();
    await admin.connect();
    try {
      const { topics: described } = await admin.fetchTopicMetadata({ topics: [...new Set([...(partitions?.keys() ?? []), ...topics])] });
      partitions = new Map(described.map((topic) => [topic.name, topic.partitions]));
      return partitions;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };

  const dropProducer = async (producer: Producer | undefined): Promise<void> => {
    await producer?.disconnect().catch((error: unknown) => logger.debug({ err: error }, 'producer disconnect failed'));
  };

  /** Publishes until stopped; throws when the lock connection fails (the caller reconnects). */
  const runActive = async (connection: Connection): Promise<void> => {
    let producer: Producer | undefined;
    let idlePollMs = IDLE_POLL_MS_MIN;
    try {
      while (!abort.signal.aborted) {
        const rows = await connection.query<OutboxRow[]>(
          'SELECT id, topic, message_key, payload, headers, trace_context FROM outbox_events WHERE published_at IS NULL ORDER BY id LIMIT ?',
          [settings.batchSizeMax],
        );
        if (rows.length === 0) {
          await idleWait(idlePollMs);
          idlePollMs = Math.min(idlePollMs * 2, settings.idlePollMsMax);
          continue;
        }
        idlePollMs = IDLE_POLL_MS_MIN;
        const publishSpans = startPublishSpans(rows, sendFailureCount + 1);
        try {
          producer ??= await newProducer();
          // One request per partition leader at a time (see toPartitionBatches), in order.
          for (const batch of toPartitionBatches(rows, await partitionsOf(rows.map((row) => row.topic)), publishSpans.carrierOf)) {
            await producer.sendBatch({ acks: -1, topicMessages: [batch] });
          }
          publishSpans.end();
        } catch (error: unknown) {
          publishSpans.end(error);
          sendFailureCount += 1;
          const delayMs = backoffDelayMs(sendFailureCount - 1, { delayMsInitial: 200, delayMsMax: settings.backoffMsMax });
          logger.warn(
            { err: error, attempt: sendFailureCount, delayMs, backlogBatchSize: rows.length },
            'publishing outbox batch failed; will retry the same batch',
          );
          // A fresh producer after a failure: kafkajs' idempotent state can be stale after a broker outage.
          await dropProducer(producer);
          producer = undefined;
          partitions = undefined;
          await sleep(delayMs, abort.signal).catch(() => undefined);
          continue;
        }
        if (sendFailureCount > 0) logger.info({ attempts: sendFailureCount }, 'outbox publishing recovered');
        sendFailureCount = 0;
        await connection.query('UPDATE outbox_events SET published_at = NOW(3) WHERE id IN (?)', [rows.map((r) => r.id)]);
        publishedCount += rows.length;
        logger.debug({ count: rows.length }, 'published outbox batch');
      }
    } finally {
      await dropProducer(producer);
    }
  };

  const tryLock = async (connection: Connection): Promise<boolean> => {
    const [row] = await connection.query<Array<{ acquired: number | bigint | null }>>('SELECT GET_LOCK(?, 0) AS acquired', [lockName]);
    return Number(row?.acquired) === 1;
  };

  const run = async (): Promise<void> => {
    let failureCount = 0;
    while (!abort.signal.aborted) {
      let connection: Connection | undefined;
      try {
        // UTC session and a persistent 'error' listener, without the driver's crash-prone init statement.
        connection = await connectMariaDb(
          {
            host: target.host,
            port: target.port,
            user: target.user,
            password: target.password,
            database: target.database,
            connectTimeout: 3_000,
            bigIntAsNumber: false,
          },
          logger,
        );
        role = 'standby';
        while (!abort.signal.aborted && !(await tryLock(connection))) {
          await sleep(settings.lockRetryMs, abort.signal).catch(() => undefined);
        }
        if (abort.signal.aborted) break;
        role = 'active';
        failureCount = 0;
        logger.info({ lockName }, 'outbox relay is active');
        await runActive(connection);
      } catch (error: unknown) {
        failureCount += 1;
        role = 'standby';
        const delayMs = backoffDelayMs(failureCount - 1, { delayMsInitial: 200, delayMsMax: settings.backoffMsMax });
        logger.warn({ err: error, delayMs }, 'outbox relay lost its database connection; reconnecting');
        await sleep(delayMs, abort.signal).catch(() => undefined);
      } finally {
        if (connection !== undefined) {
          // Ending the connection releases the lock too; RELEASE_LOCK first makes the handover immediate.
          await connection.query('SELECT RELEASE_LOCK(?)', [lockName]).catch(() => undefined);
          await connection.end().catch(() => connection?.destroy());
        }
      }
    }
    role = 'stopped';
  };

  return {
    start() {
      if (loop !== undefined) return;
      abort = new AbortController();
      loop = run().catch((error: unknown) => logger.error({ err: error }, 'outbox relay crashed'));
    },
    async stop() {
      abort.abort(new Error('outbox relay stopping'));
      await loop;
      loop = undefined;
      role = 'stopped';
    },
    wake() {
      wakePending = true;
      wakeNow?.();
    },
    status: () => ({ role, sendFailureCount, publishedCount }),
  };
}
