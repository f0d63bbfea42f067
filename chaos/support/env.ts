// The chaos suite's only reader of process.env: load size and timings, validated once.
import { z } from 'zod';

const positive = (fallback: number, max: number) => z.coerce.number().int().positive().max(max).default(fallback);

const schema = z.object({
  /** Transfers per scenario. CI default is small; `chaos:soak` raises it. */
  CHAOS_TRANSFERS: positive(200, 1_000_000),
  /** Concurrent HTTP callers (the bounded worker pool). */
  CHAOS_CONCURRENCY: positive(8, 256),
  /** Target transfer starts per second, so a fault lands mid-load rather than after it. */
  CHAOS_RATE_PER_S: positive(40, 10_000),
  /** Funded accounts the load picks random pairs from. */
  CHAOS_ACCOUNTS: positive(20, 1_000),
  /** How long each fault lasts before it is undone. */
  CHAOS_FAULT_HOLD_MS: positive(3_000, 600_000),
  /** Longest wait for the read model to converge after a scenario. */
  CHAOS_CONVERGENCE_TIMEOUT_MS: positive(180_000, 3_600_000),
  /** Repeat every scenario this many times (soak). */
  CHAOS_RUNS: positive(1, 1_000),
  /** Keep the run's databases and broker data for inspection. */
  CHAOS_KEEP: z.enum(['0', '1']).default('0'),
  /** Set by the root Jest global setup: where MariaDB is (host/port/user are reused). */
  WALLET_DATABASE_URL: z.string().min(1),
});

export interface ChaosSettings {
  readonly transferCount: number;
  readonly concurrency: number;
  readonly ratePerS: number;
  readonly accountCount: number;
  readonly faultHoldMs: number;
  readonly convergenceTimeoutMs: number;
  readonly runCount: number;
  readonly keep: boolean;
  /** A MariaDB URL whose host, port and credentials the suite reuses for its own databases. */
  readonly mariaDbUrl: string;
}

export function loadChaosSettings(env: NodeJS.ProcessEnv = process.env): ChaosSettings {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new Error(`invalid chaos configuration:\n${result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  const e = result.data;
  return {
    transferCount: e.CHAOS_TRANSFERS,
    concurrency: e.CHAOS_CONCURRENCY,
    ratePerS: e.CHAOS_RATE_PER_S,
    accountCount: e.CHAOS_ACCOUNTS,
    faultHoldMs: e.CHAOS_FAULT_HOLD_MS,
    convergenceTimeoutMs: e.CHAOS_CONVERGENCE_TIMEOUT_MS,
    runCount: e.CHAOS_RUNS,
    keep: e.CHAOS_KEEP === '1',
    mariaDbUrl: e.WALLET_DATABASE_URL,
  };
}
