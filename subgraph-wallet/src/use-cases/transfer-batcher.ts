import { randomUUID } from 'node:crypto';
import type { Logger } from '@walletgraph/platform/core';
import { Operation } from '../domain/idempotency.js';
import type { Money } from '../domain/money.js';
import type { AccountChange, AccountState } from '../domain/transfer.js';
import type { EventTopics, OutboxMessage } from '../outbox/events.js';
import { appendOutbox } from '../outbox/writer.js';
import { storedKey } from '../store/idempotency.js';
import type { TransactionRecord } from '../store/records.js';
import type { Statement } from '../store/statement.js';
import {
  applyFinalAccountState,
  claimedResultIds,
  claimIdempotencyKeyIfFree,
  insertTransactions,
  lockAccountSet,
  releaseIdempotencyKeys,
} from '../store/transfer-batch.js';
import type { Tx, UnitOfWork } from '../store/unit-of-work.js';
import { planLockedTransfer } from './transfer-plan.js';

/**
 * Group commit of transfers: concurrent transfers are collected (at most `sizeMax` of them) and
 * applied in ONE database transaction, with at most `inFlightMax` batch transactions at a time:
 * a transfer that arrives while that many are committing waits for the next one to end, so the
 * batches grow with the load instead of a fixed wait (smart batching: alone and at once when the
 * wallet is quiet, `windowMs` after the first when it is not 0; under load as many as arrived
 * during one commit). Each batch:
 * 1. claim every idempotency key (sorted) and lock every account of the batch in ascending id order,
 *    one round trip;
 * 2. plan each transfer in arrival order against the locked balances, each with its own rules
 *    (a refused transfer — insufficient funds, unknown account, balance limit — is left out, its key
 *    given back, and never fails the others); a key already committed is a replay;
 * 3. write the final balances, every transfer's row and its own outbox events, release the refused
 *    keys, one round trip; commit; wake the relay once (one relay batch).
 * If the batch transaction fails as a whole (database unavailable, conflicts beyond the retries),
 * every transfer of it runs alone through the ordinary path, so one bad batch fails no transfer
 * that would have succeeded alone.
 */

export interface TransferBatchConfig {
  /** Transfers per transaction; 1 turns group commit off (every transfer alone). */
  readonly sizeMax: number;
  /** With room for another batch: how long the first transfer waits for others (0: the next turn of the event loop). */
  readonly windowMs: number;
  /** Batch transactions committing at the same time; a transfer arriving beyond them waits for one to end. */
  readonly inFlightMax: number;
}

export interface TransferRequest {
  readonly from: string;
  readonly to: string;
  readonly amount: Money;
  readonly key: string;
  readonly hash: string;
  readonly traceparent?: string | undefined;
  /** The OpenTelemetry context of the transfer's request (JSON carrier; null untraced): its outbox rows keep it. */
  readonly traceContext?: string | null;
}

/** Committed in this batch, or the key was already committed by another call (the caller replays it). */
export type TransferOutcome = { readonly kind: 'committed'; readonly record: TransactionRecord } | { readonly kind: 'taken' };

export interface TransferBatcher {
  submit(request: TransferRequest): Promise<TransferOutcome>;
}

export interface TransferBatcherDeps {
  readonly unitOfWork: UnitOfWork;
  readonly logger: Logger;
  /** The ordinary one-transfer path, for a batch that failed as a whole. */
  readonly alone: (request: TransferRequest) => Promise<TransferOutcome>;
}

interface Pending {
  readonly request: TransferRequest;
  readonly resolve: (outcome: TransferOutcome) => void;
  readonly reject: (error: unknown) => void;
}

type ItemResult = { readonly ok: TransferOutcome } | { readonly error: unknown };

/** Plans the batch in arrival order on the locked states; the statements of its second round trip. */
function planBatch(
  items: readonly Pending[],
  locked: Map<string, AccountState>,
  claimedIds: ReadonlyMap<number, string>,
  now: Date,
  topics: EventTopics,
): { results: ItemResult[]; writes: Statement<void>[] } {
  const states = new Map(locked);
  const changed = new Map<string, AccountChange>();
  const records: TransactionRecord[] = [];
  const events: OutboxMessage[] = [];
  const released: string[] = [];
  const results = items.map((item, i): ItemResult => {
    // The transaction's id is the result id its key was claimed with (a replay loads it by that id).
    const transactionId = claimedIds.get(i);
    if (transactionId === undefined) return { ok: { kind: 'taken' } };
    const { from, to, amount, traceparent, traceContext = null } = item.request;
    try {
      // Its own context (the batch runs in the context of the transfer that opened it).
      const plan = planLockedTransfer(states, { transactionId, from, to, amount }, { now, topics, trace: { traceparent, traceContext } });
      const record = plan.record;
      for (const change of [plan.from, plan.to]) {
        states.set(change.id, change);
        changed.set(change.id, change);
      }
      records.push(record);
      events.push(...plan.events);
      return { ok: { kind: 'committed', record } };
    } catch (error: unknown) {
      released.push(item.request.key);
      return { error };
    }
  });
  const writes: Statement<void>[] = [];
  if (released.length > 0) writes.push(releaseIdempotencyKeys(released));
  for (const change of changed.values()) writes.push(applyFinalAccountState(change, (locked.get(change.id) as AccountState).version, now));
  if (records.length > 0) writes.push(insertTransactions(records));
  for (let i = 0; i < events.length; i += OUTBOX_ROWS_PER_STATEMENT) writes.push(appendOutbox(events.slice(i, i + OUTBOX_ROWS_PER_STATEMENT)));
  return { results, writes };
}

/** appendOutbox takes at most 100 messages per statement. */
const OUTBOX_ROWS_PER_STATEMENT = 100;

/** The batch's transaction; resolves one result per item, in order. */
async function applyBatch(tx: Tx, items: readonly Pending[], topics: EventTopics): Promise<ItemResult[]> {
  const now = new Date();
  const resultIds = items.map(() => randomUUID());
  // Sorted claims: two batches never wait on each other's keys in a cycle.
  const claimOrder = items.map((_, i) => i).sort((a, b) => (storedKey(items[a]!.request.key) < storedKey(items[b]!.request.key) ? -1 : 1));
  for (const i of claimOrder) {
    const { key, hash } = items[i]!.request;
    tx.queue(claimIdempotencyKeyIfFree({ key, operation: Operation.transfer, requestHash: hash, resultId: resultIds[i]!, createdAt: now }));
  }
  const [owners, locked] = await tx.run(
    claimedResultIds(items.map((item) => item.request.key)),
    lockAccountSet(items.flatMap((item) => [item.request.from, item.request.to])),
  );
  const claimedIds = new Map(items.map((item, i) => [i, resultIds[i]!] as const).filter(([i, id]) => owners.get(storedKey(items[i]!.request.key)) === id));
  const { results, writes } = planBatch(items, locked, claimedIds, now, topics);
  if (writes.length > 0) await tx.run(...writes);
  return results;
}

export function createTransferBatcher(deps: TransferBatcherDeps, config: TransferBatchConfig & { readonly topics: EventTopics }): TransferBatcher {
  let pending: Pending[] = [];
  /** Cancels the scheduled flush (a window's timer or the next turn's immediate); undefined when none. */
  let cancelScheduled: (() => void) | undefined;
  let inFlightCount = 0;

  async function commit(items: readonly Pending[]): Promise<void> {
    let results: ItemResult[];
    try {
      results = await deps.unitOfWork.run((tx) => applyBatch(tx, items, config.topics), { writesOutbox: true });
    } catch (error: unknown) {
      deps.logger.warn({ err: error, transferCount: items.length }, 'transfer batch failed as a whole; running each transfer alone');
      await Promise.all(items.map((item) => deps.alone(item.request).then(item.resolve, item.reject)));
      return;
    }
    results.forEach((result, i) => ('ok' in result ? items[i]!.resolve(result.ok) : items[i]!.reject(result.error)));
  }

  /**
   * The next batch: waiting transfers in arrival order, at most sizeMax, ending before the first
   * key the batch already holds (that one goes to a later batch and replays the first).
   */
  function takeBatch(): Pending[] {
    const batchKeys = new Set<string>();
    let count = 0;
    while (count < pending.length && count < config.sizeMax && !batchKeys.has(pending[count]!.request.key)) {
      batchKeys.add(pending[count]!.request.key);
      count += 1;
    }
    const items = pending.slice(0, count);
    pending = pending.slice(count);
    return items;
  }

  /** Commits the next batch when a batch slot is free; what is left waits for a slot. */
  function flush(): void {
    cancelScheduled?.();
    cancelScheduled = undefined;
    if (pending.length === 0 || inFlightCount >= config.inFlightMax) return;
    const items = takeBatch();
    inFlightCount += 1;
    void commit(items)
      .catch((error: unknown) => deps.logger.error({ err: error, transferCount: items.length }, 'transfer batch settled with an error'))
      .finally(() => {
        inFlightCount -= 1;
        // Those that arrived during this commit have waited long enough: no window for them.
        flush();
      });
    // A batch cut short by a repeated key or the size limit: the rest may take another free slot.
    if (pending.length > 0) schedule();
  }

  /** After an arrival: a full batch is committed now, else after the window; nothing while every slot is taken. */
  function schedule(): void {
    if (inFlightCount >= config.inFlightMax) return;
    if (pending.length >= config.sizeMax) return flush();
    if (cancelScheduled !== undefined) return;
    if (config.windowMs === 0) {
      const immediate = setImmediate(flush);
      cancelScheduled = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(flush, config.windowMs);
      cancelScheduled = () => clearTimeout(timer);
    }
  }

  return {
    submit(request) {
      if (config.sizeMax <= 1) return deps.alone(request);
      return new Promise<TransferOutcome>((resolve, reject) => {
        pending.push({ request, resolve, reject });
        schedule();
      });
    },
  };
}
