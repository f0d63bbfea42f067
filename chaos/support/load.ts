// Concurrent transfers through the gateway with the SDK: a bounded worker pool, paced starts, random
// pairs, one unique idempotency key per transfer (the SDK reuses it on its retries), every outcome
// and every failed attempt recorded.
import { randomInt, randomUUID } from 'node:crypto';
import { isRefusal } from '@walletgraph/sdk';
import { chaosWallet, codeOf, outcomeOf } from './wallet';

export type TransferOutcome = 'acknowledged' | 'refused' | 'failed';

export interface TransferRecord {
  readonly key: string;
  readonly from: string;
  readonly to: string;
  readonly amount: string;
  readonly outcome: TransferOutcome;
  /** The transaction id the gateway acknowledged. */
  readonly transactionId: string | undefined;
  /** Error code of every failed attempt, in order. */
  readonly errorCodes: readonly string[];
  readonly attemptCount: number;
  readonly startedAtMs: number;
  readonly endedAtMs: number;
}

export interface LoadOptions {
  readonly gatewayUrl: string;
  readonly accountIds: readonly string[];
  readonly transferCount: number;
  readonly concurrency: number;
  readonly ratePerS: number;
  readonly keyPrefix: string;
  /** Attempts per transfer (same key) on a retriable failure. Default 4. */
  readonly attemptCountMax?: number;
}

export interface LoadSummary {
  readonly transferCount: number;
  readonly acknowledgedCount: number;
  readonly refusedCount: number;
  readonly failedCount: number;
  /** Failed attempts by error code (each retry counts). */
  readonly errorCodeCounts: Readonly<Record<string, number>>;
}

export interface Load {
  /** Transfers finished so far (any outcome). */
  completedCount(): number;
  /** Resolves once `fraction` of the transfers have finished. */
  waitForProgress(fraction: number): Promise<void>;
  /** Resolves once `count` transfers have finished. */
  waitForCompleted(count: number): Promise<void>;
  /** Starts no further transfer (those in flight finish); for a load that must span a long fault. */
  stop(): void;
  readonly done: Promise<TransferRecord[]>;
}

/** Business refusals: the request was understood and refused, nothing to retry. */
const REFUSAL_CODES = new Set(['INSUFFICIENT_FUNDS', 'BAD_USER_INPUT', 'NOT_FOUND', 'IDEMPOTENCY_KEY_REUSED']);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An amount between 0.01 and 25.00 with up to 2 decimals. */
function randomAmount(): string {
  const cents = randomInt(1, 2_501);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

function randomPair(accountIds: readonly string[]): [string, string] {
  const from = randomInt(accountIds.length);
  let to = randomInt(accountIds.length - 1);
  if (to >= from) to += 1;
  return [accountIds[from] as string, accountIds[to] as string];
}

/**
 * One transfer through its own SDK client (so its retries are told apart from concurrent callers'
 * of the same key), retried by the SDK with the same key: at most `attemptCountMax` attempts,
 * jittered backoff capped at 2 s. Every failed attempt's code is recorded.
 */
export async function transferWithRetries(
  gatewayUrl: string,
  input: { key: string; from: string; to: string; amount: string },
  attemptCountMax: number,
): Promise<TransferRecord> {
  const startedAtMs = Date.now();
  const errorCodes: string[] = [];
  const wallet = chaosWallet(gatewayUrl, { attemptCountMax, onRetry: (event) => errorCodes.push(codeOf(event.error)) });
  const result = await outcomeOf(() => wallet.transfer({ accountIdFrom: input.from, accountIdTo: input.to, amount: input.amount, idempotencyKey: input.key }));
  const base = { ...input, attemptCount: errorCodes.length + 1, startedAtMs, endedAtMs: Date.now() };
  if (result.ok) return { ...base, outcome: 'acknowledged', transactionId: result.value.id, errorCodes };
  const outcome = isRefusal(result.error) && REFUSAL_CODES.has(result.code) ? 'refused' : 'failed';
  return { ...base, outcome, transactionId: undefined, errorCodes: [...errorCodes, result.code] };
}

export function startLoad(options: LoadOptions): Load {
  const records: TransferRecord[] = [];
  const progressWaiters: Array<{ count: number; resolve: () => void }> = [];
  const startedAtMs = Date.now();
  let nextIndex = 0;
  let stopped = false;
  const runId = randomUUID().slice(0, 8);

  const notify = (): void => {
    for (let i = progressWaiters.length - 1; i >= 0; i -= 1) {
      const waiter = progressWaiters[i] as { count: number; resolve: () => void };
      if (records.length >= waiter.count) {
        progressWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      const index = nextIndex;
      if (index >= options.transferCount || stopped) return;
      nextIndex += 1;
      const startAtMs = startedAtMs + (index * 1_000) / options.ratePerS;
      if (startAtMs > Date.now()) await sleep(startAtMs - Date.now());
      if (stopped) return;
      const [from, to] = randomPair(options.accountIds);
      const key = `${options.keyPrefix}-${runId}-${index}`;
      records.push(await transferWithRetries(options.gatewayUrl, { key, from, to, amount: randomAmount() }, options.attemptCountMax ?? 4));
      notify();
    }
  };

  const waitForCompleted = (count: number): Promise<void> => {
    if (records.length >= count) return Promise.resolve();
    return new Promise((resolve) => progressWaiters.push({ count, resolve }));
  };

  const done = Promise.all(Array.from({ length: Math.min(options.concurrency, options.transferCount) }, worker)).then(() => {
    notify();
    return records;
  });
  return {
    completedCount: () => records.length,
    stop() {
      stopped = true;
    },
    waitForProgress: (fraction) => waitForCompleted(Math.ceil(options.transferCount * fraction)),
    waitForCompleted,
    done,
  };
}

export function summarize(records: readonly TransferRecord[]): LoadSummary {
  const errorCodeCounts: Record<string, number> = {};
  for (const record of records) for (const code of record.errorCodes) errorCodeCounts[code] = (errorCodeCounts[code] ?? 0) + 1;
  return {
    transferCount: records.length,
    acknowledgedCount: records.filter((r) => r.outcome === 'acknowledged').length,
    refusedCount: records.filter((r) => r.outcome === 'refused').length,
    failedCount: records.filter((r) => r.outcome === 'failed').length,
    errorCodeCounts,
  };
}
