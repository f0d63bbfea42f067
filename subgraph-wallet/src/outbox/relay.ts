import { createHash } from 'node:crypto';
import { assert, backoffDelayMs, retry, sleep, type Logger } from '@walletgraph/platform/core';
import { connectMariaDb, parseMysqlUrl } from '@walletgraph/platform/db';
import { Partitioners, type Kafka, type Message, type PartitionMetadata, type Producer, type RecordMetadata, type TopicMessages } from 'kafkajs';
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

/** The rows of one send: one entry per topic, each message with its partition set, in id order. */
interface OutboxSend {
  readonly topicMessages: TopicMessages[];
  /** Every `topic/partition` the send writes to: each must be in the broker's acknowledgement. */
  readonly partitionKeys: ReadonlySet<string>;
}

/**
 * Sets each row's partition with the producer's own partitioner (keys land where they always did),
 * keeping id order inside each topic (hence inside each partition), for one sendBatch.
 */
function toOutboxSend(
  rows: readonly OutboxRow[],
  partitions: ReadonlyMap<string, PartitionMetadata[]>,
  traceOf: (row: OutboxRow) => TraceCarrier | undefined,
): OutboxSend {
  const byTopic = new Map<string, TopicMessages>();
  const partitionKeys = new Set<string>();
  for (const row of rows) {
    const metadata = partitions.get(row.topic);
    if (metadata === undefined || metadata.length === 0) throw new Error(`no partition metadata for topic ${row.topic}`);
    const message: Message = { key: row.message_key, value: row.payload, headers: withTraceHeaders(parseHeaders(row.headers), traceOf(row)) };
    const partition = partitionOf({ topic: row.topic, partitionMetadata: metadata, message });
    const group = byTopic.get(row.topic) ?? { topic: row.topic, messages: [] };
    group.messages.push({ ...message, partition });
    byTopic.set(row.topic, group);
    partitionKeys.add(`${row.topic}/${partition}`);
  }
  return { topicMessages: [...byTopic.values()], partitionKeys };
}

/**
 * Throws unless the broker acknowledged every partition the send wrote to. kafkajs 2.2.4's
 * sendMessages keeps one response per broker: when a retry of a send spanning several leaders finds
 * a failed broker's partitions now led by a broker that already answered, it skips them and still
 * resolves (two acknowledged events were lost that way after a leader SIGKILL on the three-broker
 * cluster). Their partitions are then missing from the acknowledgement: the relay sends the whole
 * batch again (at-least-once; consumers drop what they already have) instead of marking it published.
 */
function assertEveryPartitionAcknowledged(partitionKeys: ReadonlySet<string>, acknowledged: readonly RecordMetadata[]): void {
  const answered = new Set(acknowledged.map((record) => `${record.topicName}/${record.partition}`));
  const missing = [...partitionKeys].filter((key) => !answered.has(key));
  if (missing.length > 0) throw new Error(`the broker acknowledged the outbox batch without partitions ${missing.join(', ')}`);
}

/** Wakes the idle poll early: a local commit wrote outbox rows (or the relay is stopping). */
interface WakeSignal {
  /** Resolves after `ms`, at once when a wake is pending or `signal` is aborted, or on the next wake. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
  wake(): void;
}

function createWakeSignal(): WakeSignal {
  let pending = false;
  let wakeNow: (() => void) | undefined;
  return {
    wait(ms, signal) {
      if (pending || signal.aborted) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          wakeNow = undefined;
          pending = false;
          resolve();
        };
        const timer = setTimeout(done, ms);
        wakeNow = done;
        signal.addEventListener('abort', done, { once: true });
      });
    },
    wake() {
      pending = true;
      wakeNow?.();
    },
  };
}

/** The Kafka side of the relay: one idempotent producer and the partition metadata it was made with. */
interface BatchPublisher {
  /** Sends the rows in one sendBatch (one request per partition leader), in id order within each partition. */
  send(rows: readonly OutboxRow[], traceOf: (row: OutboxRow) => TraceCarrier | undefined): Promise<void>;
  /** Drops the producer and the metadata: the next send makes both anew. */
  reset(): Promise<void>;
}

function createBatchPublisher(deps: OutboxRelayDeps, settings: OutboxRelaySettings, logger: Logger): BatchPublisher {
  let producer: Producer | undefined;
  /** Partitions per topic, read when a producer is made (a failure makes both anew). */
  let partitions: Map<string, PartitionMetadata[]> | undefined;

  const newProducer = async (): Promise<Producer> => {
    const created = deps.kafka.producer({
      idempotent: true,
      // kafkajs keeps strict per-partition order with idempotence only with one request in flight.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: settings.sendRetryCountMax, initialRetryTime: 100, maxRetryTime: 2_000 },
    });
    await created.connect();
    return created;
  };

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

  return {
    async send(rows, traceOf) {
      producer ??= await newProducer();
      // One sendBatch for every topic-partition: one round trip per leader instead of one per
      // partition, one after the other; the acknowledgement is checked to cover every partition.
      const outboxSend = toOutboxSend(rows, await partitionsOf(rows.map((row) => row.topic)), traceOf);
      assertEveryPartitionAcknowledged(outboxSend.partitionKeys, await producer.sendBatch({ acks: -1, topicMessages: outboxSend.topicMessages }));
    },
    async reset() {
      const current = producer;
      producer = undefined;
      partitions = undefined;
      await current?.disconnect().catch((error: unknown) => logger.debug({ err: error }, 'producer disconnect failed'));
    },
  };
}

/** What the relay reports (status()) and the signal that stops it. */
interface RelayState {
  role: RelayRole;
  sendFailureCount: number;
  publishedCount: number;
  abort: AbortController;
}

/**
 * Publishes one batch of rows until it goes out (jittered, capped backoff; a fresh producer after
 * each failure: kafkajs' idempotent state can be stale after a broker outage). Resolves false when
 * the relay stops first.
 */
async function publishUntilSent(
  rows: readonly OutboxRow[],
  publisher: BatchPublisher,
  state: RelayState,
  settings: OutboxRelaySettings,
  logger: Logger,
): Promise<boolean> {
  const signal = state.abort.signal;
  const attemptOnce = async (attempt: number): Promise<void> => {
    const publishSpans = startPublishSpans(rows, attempt + 1);
    try {
      await publisher.send(rows, publishSpans.carrierOf);
      publishSpans.end();
    } catch (error: unknown) {
      publishSpans.end(error);
      await publisher.reset();
      throw error;
    }
  };
  try {
    await retry(attemptOnce, {
      attemptCountMax: Number.POSITIVE_INFINITY,
      delayMsInitial: 200,
      delayMsMax: settings.backoffMsMax,
      shouldRetry: () => !signal.aborted,
      onRetry: (error, attempt, delayMs) => {
        state.sendFailureCount = attempt;
        logger.warn({ err: error, attempt, delayMs, backlogBatchSize: rows.length }, 'publishing outbox batch failed; will retry the same batch');
      },
      signal,
    });
  } catch (error: unknown) {
    if (signal.aborted) return false;
    throw error;
  }
  if (state.sendFailureCount > 0) logger.info({ attempts: state.sendFailureCount }, 'outbox publishing recovered');
  state.sendFailureCount = 0;
  return true;
}

/** Publishes until stopped; throws when the lock connection fails (the caller reconnects). */
async function runActive(
  connection: Connection,
  state: RelayState,
  wakeSignal: WakeSignal,
  publisher: BatchPublisher,
  settings: OutboxRelaySettings,
  logger: Logger,
): Promise<void> {
  let idlePollMs = IDLE_POLL_MS_MIN;
  try {
    while (!state.abort.signal.aborted) {
      const rows = await connection.query<OutboxRow[]>(
        'SELECT id, topic, message_key, payload, headers, trace_context FROM outbox_events WHERE published_at IS NULL ORDER BY id LIMIT ?',
        [settings.batchSizeMax],
      );
      if (rows.length === 0) {
        await wakeSignal.wait(idlePollMs, state.abort.signal);
        idlePollMs = Math.min(idlePollMs * 2, settings.idlePollMsMax);
        continue;
      }
      idlePollMs = IDLE_POLL_MS_MIN;
      if (!(await publishUntilSent(rows, publisher, state, settings, logger))) return;
      await connection.query('UPDATE outbox_events SET published_at = NOW(3) WHERE id IN (?)', [rows.map((r) => r.id)]);
      state.publishedCount += rows.length;
      logger.debug({ count: rows.length }, 'published outbox batch');
    }
  } finally {
    await publisher.reset();
  }
}

/** A dedicated connection (UTC session, persistent 'error' listener, no driver init statement). */
function connectForLock(target: ReturnType<typeof parseMysqlUrl>, logger: Logger): Promise<Connection> {
  return connectMariaDb(
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
}

async function tryLock(connection: Connection, lockName: string): Promise<boolean> {
  const [row] = await connection.query<Array<{ acquired: number | bigint | null }>>('SELECT GET_LOCK(?, 0) AS acquired', [lockName]);
  return Number(row?.acquired) === 1;
}

/**
 * Stands by until this instance holds the relay lock, publishes while it does, and reconnects after
 * a lost connection. Its backoff is hand-written on purpose: it restarts once the relay becomes
 * active again, which the platform retry's attempt count cannot do.
 */
async function holdRelayRole(
  state: RelayState,
  parts: { readonly settings: OutboxRelaySettings; readonly deps: OutboxRelayDeps; readonly logger: Logger; readonly wakeSignal: WakeSignal },
): Promise<void> {
  const { settings, logger } = parts;
  const target = parseMysqlUrl(settings.databaseUrl);
  const lockName = relayLockName(target.database);
  const signal = state.abort.signal;
  const publisher = createBatchPublisher(parts.deps, settings, logger);
  let failureCount = 0;
  while (!signal.aborted) {
    let connection: Connection | undefined;
    try {
      connection = await connectForLock(target, logger);
      state.role = 'standby';
      while (!signal.aborted && !(await tryLock(connection, lockName))) {
        await sleep(settings.lockRetryMs, signal).catch(() => undefined);
      }
      if (signal.aborted) break;
      state.role = 'active';
      failureCount = 0;
      logger.info({ lockName }, 'outbox relay is active');
      await runActive(connection, state, parts.wakeSignal, publisher, settings, logger);
    } catch (error: unknown) {
      failureCount += 1;
      state.role = 'standby';
      const delayMs = backoffDelayMs(failureCount - 1, { delayMsInitial: 200, delayMsMax: settings.backoffMsMax });
      logger.warn({ err: error, delayMs }, 'outbox relay lost its database connection; reconnecting');
      await sleep(delayMs, signal).catch(() => undefined);
    } finally {
      if (connection !== undefined) {
        // Ending the connection releases the lock too; RELEASE_LOCK first makes the handover immediate.
        await connection.query('SELECT RELEASE_LOCK(?)', [lockName]).catch(() => undefined);
        await connection.end().catch(() => connection?.destroy());
      }
    }
  }
  state.role = 'stopped';
}

/**
 * Publishes outbox rows in id order. Only the instance holding GET_LOCK on its dedicated connection
 * publishes; it reads and marks rows on that same connection, so losing the connection loses the
 * role. A failed batch is retried (jittered, capped backoff) until it goes out: never skipped.
 */
export function createOutboxRelay(deps: OutboxRelayDeps, settings: OutboxRelaySettings): OutboxRelay {
  const logger = deps.logger.child({ component: 'outbox-relay' });
  const wakeSignal = createWakeSignal();
  const state: RelayState = { role: 'stopped', sendFailureCount: 0, publishedCount: 0, abort: new AbortController() };
  let loop: Promise<void> | undefined;

  return {
    start() {
      if (loop !== undefined) return;
      state.abort = new AbortController();
      loop = holdRelayRole(state, { settings, deps, logger, wakeSignal }).catch((error: unknown) => logger.error({ err: error }, 'outbox relay crashed'));
    },
    async stop() {
      state.abort.abort(new Error('outbox relay stopping'));
      await loop;
      loop = undefined;
      state.role = 'stopped';
    },
    wake: () => wakeSignal.wake(),
    status: () => ({ role: state.role, sendFailureCount: state.sendFailureCount, publishedCount: state.publishedCount }),
  };
}
