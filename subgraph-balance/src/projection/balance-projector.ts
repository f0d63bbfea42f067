import { decodeBalanceUpdated, EventDecodeError, type Logger } from '@walletgraph/platform';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { LivePublisher } from '../live/live-publisher.js';
import { MetricName, type Metrics } from '../metrics.js';
import type { AppliedSide, BalanceRepository } from '../store/balance-repository.js';
import type { SideUpdate } from '../store/version-rule.js';
import type { DeadLetterPublisher } from './dead-letter.js';
import { ABANDONED, retryWhileActive, type PersistentRetryContext } from './retry-until-applied.js';
import { sideUpdatesOf } from './side-updates.js';

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
}

export interface BalanceProjector {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Connected and not crashed (readiness). */
  isRunning(): boolean;
}

type MessageResult = 'done' | 'abandoned';

/**
 * Consumes `balances` into the read model: one DB transaction per message, then the live
 * publish, then the offset. Poison goes to the dead-letter topic; outages are waited out.
 */
export function createBalanceProjector(deps: BalanceProjectorDeps, config: BalanceProjectorConfig): BalanceProjector {
  const logger = deps.logger.child({ component: 'projector', groupId: config.groupId });
  const retryConfig = {
    delayMsInitial: config.retryDelayMsInitial,
    delayMsMax: config.retryDelayMsMax,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
  };
  let consumer: Consumer | undefined;
  let running = false;

  const persist = <T>(what: string, operation: () => Promise<T>, context: PersistentRetryContext) =>
    retryWhileActive(what, operation, context, retryConfig, logger, () => deps.metrics.increment(MetricName.applyRetries));

  async function deadLetter(topic: string, partition: number, message: KafkaMessage, reason: string, context: PersistentRetryContext): Promise<MessageResult> {
    const source = { topic, partition, offset: message.offset };
    const sent = await persist('dead-letter publish', () => deps.deadLetter.send(source, message, reason), context);
    if (sent === ABANDONED) return 'abandoned';
    deps.metrics.increment(MetricName.eventsDeadLettered);
    logger.warn({ ...source, reason }, 'poison message sent to the dead-letter topic');
    return 'done';
  }

  function countOutcomes(sides: readonly AppliedSide[]): void {
    for (const side of sides) {
      if (side.outcome === 'applied') deps.metrics.increment(MetricName.eventsApplied);
      else if (side.outcome === 'republished') deps.metrics.increment(MetricName.eventsRepublished);
      else deps.metrics.increment(MetricName.eventsStale);
    }
  }

  async function processMessage(topic: string, partition: number, message: KafkaMessage, context: PersistentRetryContext): Promise<MessageResult> {
    let sides: SideUpdate[];
    try {
      sides = sideUpdatesOf(decodeBalanceUpdated(message.value));
    } catch (error: unknown) {
      if (error instanceof EventDecodeError) return deadLetter(topic, partition, message, error.reason, context);
      throw error;
    }
    const applied = await persist('balance apply', () => deps.repository.applySides(sides), context);
    if (applied === ABANDONED) return 'abandoned';
    countOutcomes(applied);
    await deps.afterDatabaseCommit?.({ topic, partition, offset: message.offset, sides: applied });
    // Republished (same version) states go out again: a crash may have lost the first publish.
    const states = applied.filter((side) => side.outcome !== 'stale').map((side) => side.state);
    const published = await persist('live publish', () => deps.livePublisher.publish(states), context);
    return published === ABANDONED ? 'abandoned' : 'done';
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const context: PersistentRetryContext = { heartbeat, isActive: () => isRunning() && !isStale() };
    for (const message of batch.messages) {
      if (!context.isActive()) return;
      const result = await processMessage(batch.topic, batch.partition, message, context);
      if (result === 'abandoned') return;
      resolveOffset(message.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  return {
    async start() {
      const created = deps.kafka.consumer({
        groupId: config.groupId,
        sessionTimeout: config.sessionTimeoutMs,
        heartbeatInterval: config.heartbeatIntervalMs,
        allowAutoTopicCreation: false,
      });
      created.on(created.events.CRASH, (event) => {
        logger.error({ err: event.payload.error, restart: event.payload.restart }, 'balance consumer crashed');
        if (!event.payload.restart) running = false;
      });
      consumer = created;
      await created.connect();
      await created.subscribe({ topics: [config.topic], fromBeginning: true });
      await created.run({
        autoCommit: true,
        autoCommitInterval: config.commitIntervalMs,
        autoCommitThreshold: config.commitThresholdMessages,
        eachBatchAutoResolve: false,
        eachBatch,
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
