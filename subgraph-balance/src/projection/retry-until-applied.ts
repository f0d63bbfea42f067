import { backoffDelayMs, isRetriable, sleep, type Logger } from '@walletgraph/platform/core';

export const ABANDONED = Symbol('abandoned');

export interface PersistentRetryContext {
  /** Keeps the group membership while waiting; throws on a rebalance (kafkajs then rejoins). */
  readonly heartbeat: () => Promise<void>;
  /** False once the consumer stops or the partition was revoked: give up without committing. */
  readonly isActive: () => boolean;
}

export interface PersistentRetryConfig {
  readonly delayMsInitial: number;
  readonly delayMsMax: number;
  /** Longest wait between heartbeats while backing off. */
  readonly heartbeatIntervalMs: number;
}

/**
 * Retries a retriable failure for as long as the partition is ours: an event is never skipped.
 * The delay between attempts is capped and jittered; each attempt is logged with its count.
 * A non-retriable error is a bug and is rethrown at once.
 */
export async function retryWhileActive<T>(
  what: string,
  operation: () => Promise<T>,
  context: PersistentRetryContext,
  config: PersistentRetryConfig,
  logger: Logger,
  onRetry: () => void,
): Promise<T | typeof ABANDONED> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error: unknown) {
      if (!isRetriable(error)) throw error;
      if (!context.isActive()) return ABANDONED;
      const delayMs = backoffDelayMs(attempt - 1, { delayMsInitial: config.delayMsInitial, delayMsMax: config.delayMsMax });
      logger.warn({ err: error, attempt, delayMs }, `${what} failed; retrying`);
      onRetry();
      if (!(await waitWithHeartbeat(delayMs, context, config.heartbeatIntervalMs))) return ABANDONED;
    }
  }
}

async function waitWithHeartbeat(delayMs: number, context: PersistentRetryContext, sliceMs: number): Promise<boolean> {
  const until = Date.now() + delayMs;
  for (let remainingMs = delayMs; remainingMs > 0; remainingMs = until - Date.now()) {
    await sleep(Math.min(remainingMs, sliceMs));
    if (!context.isActive()) return false;
    await context.heartbeat();
  }
  return true;
}
