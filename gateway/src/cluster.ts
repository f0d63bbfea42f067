import cluster, { type Worker } from 'node:cluster';
import { backoffDelayMs, type Logger } from '@walletgraph/platform/core';
import { serveClusterRateLimit } from './auth/cluster-rate-limit.js';
import { bucketLimitsOf, createRateLimiter } from './auth/rate-limit.js';
import type { RateLimitConfig } from './config.js';
import { serveClusterMetrics } from './metrics/cluster-metrics.js';

export interface PrimaryConfig {
  readonly workers: number;
  readonly shutdownDeadlineMs: number;
  /** The one set of mutation buckets every worker shares. */
  readonly rateLimit: RateLimitConfig;
}

/** Restarts after a crash are bounded: this many within the window stops the whole gateway. */
const restartCountMax = 10;
const restartWindowMs = 60_000;

/**
 * GATEWAY_WORKERS > 1: the primary forks workers that share the listening port (node:cluster
 * round-robin), restarts a crashed one with backoff, forwards shutdown signals, sums every
 * worker's metrics for whichever worker serves a /metrics scrape, and keeps the mutation rate
 * limit's buckets for all workers.
 */
export function runPrimary(deps: { readonly logger: Logger }, config: PrimaryConfig): void {
  let stopping = false;
  let restartTimesMs: number[] = [];
  serveClusterMetrics();
  serveClusterRateLimit(createRateLimiter(bucketLimitsOf(config.rateLimit)));
  const fork = (): Worker => cluster.fork();
  for (let i = 0; i < config.workers; i += 1) fork();

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    const nowMs = Date.now();
    restartTimesMs = [...restartTimesMs.filter((t) => nowMs - t < restartWindowMs), nowMs];
    if (restartTimesMs.length > restartCountMax) {
      deps.logger.fatal({ restartCountMax, restartWindowMs }, 'workers keep crashing; stopping the gateway');
      process.exit(1);
    }
    const delayMs = backoffDelayMs(restartTimesMs.length - 1, { delayMsInitial: 100, delayMsMax: 5_000 });
    deps.logger.error({ workerId: worker.id, code, signal, delayMs }, 'worker exited; restarting');
    setTimeout(fork, delayMs);
  });

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    deps.logger.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    setTimeout(() => process.exit(1), config.shutdownDeadlineMs + 1_000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
