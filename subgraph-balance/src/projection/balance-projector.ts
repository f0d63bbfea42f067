import { assert, type Logger } from '@walletgraph/platform/core';
import { createGroupConsumer, decodeBalanceUpdated, EventDecodeError } from '@walletgraph/platform/kafka';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { LivePublisher } from '../live/live-publisher.js';
import { MetricName, type Metrics } from '../metrics.js';
import type { AppliedSide, BalanceRepository } from '../store/balance-repository.js';
import type { SideUpdate } from '../store/version-rule.js';
import type { DeadLetterPublisher } from './dead-letter.js';
import { ABANDONED, retryWhileActive, type PersistentRetryContext } from './retry-until-applied.js';
import { sideUpdatesOf } from './side-updates.js';
import { startRunTrace } from './run-trace.js';
import { SpanKind } from '@walletgraph/platform/tracing';

export interface AppliedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly sides: readonly AppliedSide[];
}

export interface BalanceProjectorDeps {
  readonly kafka: Kafka;
  readonly repository: BalanceRepository;
  readonly deadLetter: DeadLetterPublisher;
  readonly livePublisher: LivePublisher;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Test seam: runs after the DB commit, before the live publish and the offset commit. */
  readonly afterDatabaseCommit?: (applied: AppliedMessage) => Promise<void>;
}

export interface BalanceProjectorConfig {
  readonly topic: string;
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly commitIntervalMs: number;
  readonly commitThresholdMessages: number;
  readonly retryDelayMsInitial: number;
  readonly retryDelayMsMax: number;
  /** Consecutive messages of one partition applied in one DB transaction and one live publish. Default 200. */
  readonly batchSizeMax?: number;
  /** Partitions processed at the same time (kafkajs `partitionsConsumedConcurrently`). Default 1. */
  readonly partitionsConcurrentMax?: number;
  /** Longest the broker holds a fetch that found nothing (kafkajs `maxWaitTimeInMs`). Default 100. */
  readonly fetchWaitMsMax?: number;
}

const DEFAULTS = { batchSizeMax: 200, partitionsConcurrentMax: 1, fetchWaitMsMax: 100 } as const;
/** Bounds checked at construction: bad configuration fails at once. */
const LIMITS = { batchSizeMax: 5_000, partitionsConcurrentMax: 256, fetchWaitMsMax: 60_000 } as const;

type ResolvedConfig = Required<BalanceProjectorConfig>;

function resolveConfig(config: BalanceProjectorConfig): ResolvedConfig {
  const resolved: ResolvedConfig = {
    ...config,
    batchSizeMax: config.batchSizeMax ?? DEFAULTS.batchSizeMax,
    partitionsConcurrentMax: config.partitionsConcurrentMax ?? DEFAULTS.partitionsConcurrentMax,
    fetchWaitMsMax: config.fetchWaitMsMax ?? DEFAULTS.fetchWaitMsMax,
  };
  for (const name of ['batchSizeMax', 'partitionsConcurrentMax', 'fetchWaitMsMax'] as const) {
    const value = resolved[name];
    if (!Number.isInteger(value) || value < 1 || value > LIMITS[name])
      throw new Error(`projector ${name} must be an integer in 1..${LIMITS[name]}, got ${value}`);
  }
  return resolved;
}

export interface BalanceProjector {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Connected and not crashed (readiness). */
  isRunning(): boolean;
}

type RunResult = 'done' | 'abandoned';

/** A decoded message waiting in the current run, with its account changes. */
interface PendingMessage {
  readonly message: KafkaMessage;
  readonly sides: readonly SideUpdate[];
}

type Decoded = { readonly kind: 'sides'; readonly sides: SideUpdate[] } | { readonly kind: 'poison'; readonly reason: string };

function decode(message: KafkaMessage): Decoded {
  try {
    return { kind: 'sides', sides: sideUpdatesOf(decodeBalanceUpdated(message.value)) };
  } catch (error: unknown) {
    if (error instanceof EventDecodeError) return { kind: 'poison', reason: error.reason };
    throw error;
  }
}

/** What the run handlers share: the deps, the logger, and the retry-until-applied of every write. */
interface ProjectorParts {
  readonly deps: BalanceProjectorDeps;
  readonly logger: Logger;
  readonly persist: <T>(what: string, operation: () => Promise<T>, context: PersistentRetryContext) => Promise<T | typeof ABANDONED>;
}

/** Where a run's messages come from. */
interface RunSource {
  readonly topic: string;
  readonly partition: number;
}

async function deadLetter(
  parts: ProjectorParts,
  source: RunSource,
  message: KafkaMessage,
  reason: string,
  context: PersistentRetryContext,
): Promise<RunResult> {
  const { deps, logger, persist } = parts;
  const at = { ...source, offset: message.offset };
  const sent = await persist('dead-letter publish', () => deps.deadLetter.send(at, message, reason), context);
  if (sent === ABANDONED) return 'abandoned';
  deps.metrics.increment(MetricName.eventsDeadLettered);
  logger.warn({ ...at, reason }, 'poison message sent to the dead-letter topic');
  return 'done';
}

function countOutcomes(metrics: Metrics, sides: readonly AppliedSide[]): void {
  for (const side of sides) {
    if (side.outcome === 'applied') metrics.increment(MetricName.eventsApplied);
    else if (side.outcome === 'republished') metrics.increment(MetricName.eventsRepublished);
    else metrics.increment(MetricName.eventsStale);
  }
}

/** The test seam after the commit, once per message with that message's own sides. */
async function afterCommit(deps: BalanceProjectorDeps, source: RunSource, run: readonly PendingMessage[], applied: readonly AppliedSide[]): Promise<void> {
  const hook = deps.afterDatabaseCommit;
  if (hook === undefined) return;
  let next = 0;
  for (const { message, sides } of run) {
    await hook({ ...source, offset: message.offset, sides: applied.slice(next, next + sides.length) });
    next += sides.length;
  }
}

/** The states a run publishes live, each with the index of the side it came from (its trace). */
function liveStatesOf(applied: readonly AppliedSide[]): Array<{ readonly state: AppliedSide['state']; readonly sideIndex: number }> {
  return applied.flatMap((side, sideIndex) => {
    // Republished (same version) states go out again: a crash may have lost the first publish.
    if (side.outcome !== 'stale') return [{ state: side.state, sideIndex }];
    // A late version (committed after a newer one) goes out too: subscribers never see it again,
    // but a resume stream waiting for that gap in the history re-reads at once (balance-pubsub).
    return side.lateVersion === undefined ? [] : [{ state: side.lateVersion, sideIndex }];
  });
}

/** One transaction for the run, then one live publish; the caller resolves the offsets. */
async function applyRun(parts: ProjectorParts, source: RunSource, run: readonly PendingMessage[], context: PersistentRetryContext): Promise<RunResult> {
  const { deps, persist } = parts;
  const runTrace = startRunTrace(source.topic, source.partition, run);
  try {
    const sides = run.flatMap((pending) => pending.sides);
    const applied = await runTrace.stage('read model write', SpanKind.INTERNAL, () =>
      persist('balance apply', () => deps.repository.applySides(sides), context),
    );
    if (applied === ABANDONED) return 'abandoned';
    assert(applied.length === sides.length, `${applied.length} results for ${sides.length} sides`);
    countOutcomes(deps.metrics, applied);
    await afterCommit(deps, source, run, applied);
    const live = liveStatesOf(applied);
    const published = await runTrace.stage('balances.live publish', SpanKind.PRODUCER, (carrierOfSide) =>
      persist(
        'live publish',
        () =>
          deps.livePublisher.publish(
            live.map((l) => l.state),
            live.map((l) => carrierOfSide(l.sideIndex)),
          ),
        context,
      ),
    );
    return published === ABANDONED ? 'abandoned' : 'done';
  } finally {
    runTrace.end();
  }
}

/**
 * One fetched batch of one partition: runs of consecutive decodable messages (at most
 * `batchSizeMax`) applied together; a poison message ends the run before it and is dead-lettered
 * alone. Each offset is resolved only once its message is applied (or dead-lettered).
 */
async function handleBatch(parts: ProjectorParts, batchSizeMax: number, payload: EachBatchPayload): Promise<void> {
  const { batch } = payload;
  const context: PersistentRetryContext = { heartbeat: () => payload.heartbeat(), isActive: () => payload.isRunning() && !payload.isStale() };
  const source: RunSource = { topic: batch.topic, partition: batch.partition };
  const acknowledge = async (offset: string) => {
    payload.resolveOffset(offset);
    await payload.commitOffsetsIfNecessary();
    await payload.heartbeat();
  };
  let run: PendingMessage[] = [];
  const flush = async (): Promise<RunResult> => {
    const last = run.at(-1);
    if (last === undefined) return 'done';
    const result = await applyRun(parts, source, run, context);
    run = [];
    if (result === 'done') await acknowledge(last.message.offset);
    return result;
  };
  for (const message of batch.messages) {
    if (!context.isActive()) return;
    const decoded = decode(message);
    if (decoded.kind === 'sides') {
      run.push({ message, sides: decoded.sides });
      if (run.length >= batchSizeMax && (await flush()) === 'abandoned') return;
      continue;
    }
    if ((await flush()) === 'abandoned') return;
    if ((await deadLetter(parts, source, message, decoded.reason, context)) === 'abandoned') return;
    await acknowledge(message.offset);
  }
  if (context.isActive()) await flush();
}

/**
 * Consumes `balances` into the read model. Within a partition, runs of consecutive decodable
 * messages (at most `batchSizeMax`) are applied in offset order in one DB transaction, then their
 * live states go out in one send, then their offsets are resolved. A poison message ends the run
 * before it and goes to the dead-letter topic on its own. Outages are waited out.
 */
export function createBalanceProjector(deps: BalanceProjectorDeps, options: BalanceProjectorConfig): BalanceProjector {
  const config = resolveConfig(options);
  const logger = deps.logger.child({ component: 'projector', groupId: config.groupId });
  const retryConfig = {
    delayMsInitial: config.retryDelayMsInitial,
    delayMsMax: config.retryDelayMsMax,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
  };
  const parts: ProjectorParts = {
    deps,
    logger,
    persist: (what, operation, context) =>
      retryWhileActive(what, operation, context, retryConfig, logger, () => deps.metrics.increment(MetricName.applyRetries)),
  };
  let consumer: Consumer | undefined;
  let running = false;

  return {
    async start() {
      const created = createGroupConsumer(deps.kafka, config, logger, 'balance consumer', () => {
        running = false;
      });
      consumer = created;
      await created.connect();
      await created.subscribe({ topics: [config.topic], fromBeginning: true });
      await created.run({
        autoCommit: true,
        autoCommitInterval: config.commitIntervalMs,
        autoCommitThreshold: config.commitThresholdMessages,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: config.partitionsConcurrentMax,
        eachBatch: (payload) => handleBatch(parts, config.batchSizeMax, payload),
      });
      running = true;
      logger.info({ topic: config.topic }, 'balance consumer started');
    },
    async stop() {
      running = false;
      const current = consumer;
      consumer = undefined;
      // disconnect waits for the batch in progress and commits only resolved (= applied) offsets.
      await current?.disconnect();
    },
    isRunning: () => running,
  };
}
