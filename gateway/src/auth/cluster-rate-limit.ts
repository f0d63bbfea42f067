import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { isIpcMessage } from '../cluster-ipc.js';
import { createRateLimiter, type LocalRateLimiter, type RateLimiter, type TakeResult } from './rate-limit.js';

/**
 * GATEWAY_WORKERS > 1: one set of buckets for the whole gateway, kept by the primary, so an
 * identity's budget does not multiply with the worker count. A worker asks the primary per
 * mutation (one IPC round trip, well under a millisecond); if the primary does not answer in
 * time, or too many questions are pending, the worker decides alone on its share of the budget.
 */
type TakeRequest = { readonly type: 'gateway:rate-take'; readonly id: string; readonly key: string; readonly cost: number };
type TakeReply = { readonly type: 'gateway:rate-reply'; readonly id: string; readonly result: TakeResult };

export interface ClusterRateLimitConfig {
  readonly perMinuteMax: number;
  readonly identitiesMax: number;
  readonly workers: number;
  /** Longest wait for the primary's answer before the worker's own share decides. */
  readonly replyTimeoutMs: number;
  /** Questions in flight at once; beyond it the worker's own share decides. */
  readonly pendingMax: number;
}

/** Primary side: the one limiter, answering every worker. */
export function serveClusterRateLimit(limiter: LocalRateLimiter): void {
  cluster.on('message', (worker, message: unknown) => {
    if (!isIpcMessage<TakeRequest>(message, 'gateway:rate-take')) return;
    worker.send({ type: 'gateway:rate-reply', id: message.id, result: limiter.take(message.key, message.cost) } satisfies TakeReply);
  });
}

/** Worker side: asks the primary; falls back to a local limiter holding 1/workers of the budget. */
export function createClusterRateLimiter(
  config: ClusterRateLimitConfig,
  send: (message: TakeRequest) => boolean = (message) => process.send?.(message) ?? false,
): RateLimiter & { handleMessage(message: unknown): void } {
  const fallback = createRateLimiter({ perMinuteMax: Math.max(1, Math.floor(config.perMinuteMax / config.workers)), identitiesMax: config.identitiesMax });
  const pending = new Map<string, { resolve: (result: TakeResult) => void; timer: NodeJS.Timeout }>();
  const limiter = {
    take(key: string, cost: number): TakeResult | Promise<TakeResult> {
      if (pending.size >= config.pendingMax) return fallback.take(key, cost);
      const id = randomUUID();
      return new Promise<TakeResult>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve(fallback.take(key, cost));
        }, config.replyTimeoutMs);
        pending.set(id, { resolve, timer });
        if (!send({ type: 'gateway:rate-take', id, key, cost })) {
          clearTimeout(timer);
          pending.delete(id);
          resolve(fallback.take(key, cost));
        }
      });
    },
    bucketCount: () => fallback.bucketCount(),
    handleMessage(message: unknown): void {
      if (!isIpcMessage<TakeReply>(message, 'gateway:rate-reply')) return;
      const waiter = pending.get(message.id);
      if (waiter === undefined) return;
      pending.delete(message.id);
      clearTimeout(waiter.timer);
      waiter.resolve(message.result);
    },
  };
  return limiter;
}
