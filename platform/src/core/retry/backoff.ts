export interface BackoffOptions {
  /** Delay before the first retry. Default 100 ms. */
  readonly delayMsInitial?: number;
  /** Upper bound of any single delay. Default 10 000 ms. */
  readonly delayMsMax?: number;
  /** Growth factor per attempt. Default 2. */
  readonly factor?: number;
}

/**
 * Capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): uniform in [0, min(max, initial * factor^attempt)], so retrying callers spread out
 * instead of waking together.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = {}, random = Math.random): number {
  const initial = options.delayMsInitial ?? 100;
  const max = options.delayMsMax ?? 10_000;
  const factor = options.factor ?? 2;
  const ceiling = Math.min(max, initial * factor ** Math.max(0, attempt));
  return Math.round(random() * ceiling);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caller's abort reason as given, as signal.throwIfAborted() throws it
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caller's abort reason as given
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
