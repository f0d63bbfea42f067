import { isRetriable } from '../errors/index.js';
import { backoffDelayMs, sleep, type BackoffOptions } from './backoff.js';

export interface RetryOptions extends BackoffOptions {
  /** Total attempts including the first. Default 5. */
  readonly attemptCountMax?: number;
  /** Which errors are worth another attempt. Default: the AppError `retriable` flag. */
  readonly shouldRetry?: (error: unknown) => boolean;
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  readonly signal?: AbortSignal;
}

/** The one retry helper: bounded attempts, jittered capped backoff, programmer errors never retried. */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attemptCountMax = options.attemptCountMax ?? 5;
  const shouldRetry = options.shouldRetry ?? isRetriable;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error: unknown) {
      const last = attempt + 1 >= attemptCountMax;
      if (last || !shouldRetry(error)) throw error;
      const delayMs = backoffDelayMs(attempt, options);
      options.onRetry?.(error, attempt + 1, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}
