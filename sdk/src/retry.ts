import { WalletError } from './errors.js';

/** Capped, jittered exponential backoff. Every field is required: defaults live in options.ts. */
export interface RetryPolicy {
  /** Total attempts, the first one included; 1 means no retry. */
  readonly attemptCountMax: number;
  /** Base delay before the first retry. */
  readonly delayMsInitial: number;
  /** Upper bound of any single delay. */
  readonly delayMsMax: number;
}

export const noRetry: RetryPolicy = { attemptCountMax: 1, delayMsInitial: 0, delayMsMax: 0 };

/**
 * Delay before retry number `retryIndex` (0-based): "equal jitter", half fixed and half random,
 * so delays keep growing while clients that failed together spread out.
 */
export function backoffDelayMs(policy: RetryPolicy, retryIndex: number, random: () => number = Math.random): number {
  const exponent = Math.min(retryIndex, 30);
  const ceilingMs = Math.min(policy.delayMsMax, policy.delayMsInitial * 2 ** exponent);
  return ceilingMs / 2 + random() * (ceilingMs / 2);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function assertRetryPolicy(name: string, policy: RetryPolicy): void {
  const { attemptCountMax, delayMsInitial, delayMsMax } = policy;
  if (!Number.isInteger(attemptCountMax) || attemptCountMax < 1) throw new TypeError(`${name}.attemptCountMax must be an integer ≥ 1, got ${attemptCountMax}`);
  if (!(delayMsInitial >= 0) || !(delayMsMax >= delayMsInitial)) {
    throw new TypeError(`${name} needs 0 ≤ delayMsInitial ≤ delayMsMax, got ${delayMsInitial} and ${delayMsMax}`);
  }
}

export interface RetryHooks {
  /** Called before each wait; for tests and logging. */
  readonly onRetry?: (error: WalletError, retryIndex: number, delayMs: number) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retriable error, or the policy's attempts
 * are spent. Only `WalletError.retriable` decides; anything else (a bug) is rethrown at once.
 */
export async function withRetry<T>(policy: RetryPolicy, attempt: (attemptIndex: number) => Promise<T>, hooks: RetryHooks = {}): Promise<T> {
  for (let attemptIndex = 0; ; attemptIndex += 1) {
    try {
      return await attempt(attemptIndex);
    } catch (error: unknown) {
      const isLast = attemptIndex + 1 >= policy.attemptCountMax;
      if (!(error instanceof WalletError) || !error.retriable || isLast) throw error;
      const delayMs = backoffDelayMs(policy, attemptIndex);
      hooks.onRetry?.(error, attemptIndex, delayMs);
      await (hooks.sleep ?? sleep)(delayMs);
    }
  }
}
