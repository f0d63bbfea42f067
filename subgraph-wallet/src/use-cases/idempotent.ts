import { randomUUID } from 'node:crypto';
import { assert, IdempotencyKeyReusedError, type Logger } from '@walletgraph/platform/core';
import type { Operation } from '../domain/idempotency.js';
import type { Database } from '../store/database.js';
import { claimIdempotencyKey, findIdempotencyRecord, IdempotencyKeyTaken } from '../store/idempotency.js';
import type { Tx, UnitOfWork } from '../store/unit-of-work.js';

/** Attempts to read back a committed idempotency record (it exists once the claim reported a duplicate). */
const REPLAY_ATTEMPT_COUNT_MAX = 3;

export interface IdempotencyClaim {
  readonly key: string;
  readonly operation: Operation;
  readonly hash: string;
}

export type Replayed<T> = { found: true; value: T } | { found: false };

export interface IdempotentDeps {
  readonly db: Database;
  readonly unitOfWork: UnitOfWork;
  readonly logger: Logger;
}

/** Work keyed by an idempotency key: done once, its first result replayed for the same input. */
export function createIdempotentRunner(deps: IdempotentDeps) {
  /** The first result of a committed key with the same input; refused for another input. */
  async function replay<T>(claim: IdempotencyClaim, load: (resultId: string) => Promise<T>): Promise<Replayed<T>> {
    const existing = await findIdempotencyRecord(deps.db, claim.key);
    if (existing === undefined) return { found: false };
    if (existing.operation !== claim.operation || existing.requestHash !== claim.hash) throw new IdempotencyKeyReusedError();
    deps.logger.debug({ operation: claim.operation, resultId: existing.resultId }, 'idempotent replay');
    return { found: true, value: await load(existing.resultId) };
  }

  /**
   * Runs `work` with the key claimed first in the same transaction (the claim goes out with the
   * work's first round trip). When the key is already committed, the first result is replayed if
   * the input is the same, refused otherwise. `work` returns the new result itself, so a first call
   * costs no read after the commit.
   */
  async function idempotent<T>(
    claim: IdempotencyClaim,
    work: (resultId: string, now: Date) => (tx: Tx) => Promise<T>,
    load: (resultId: string) => Promise<T>,
  ): Promise<T> {
    // Kept as a loop, not platform's retry(): nothing here is a failure to wait out. The claim's
    // duplicate says the key is committed, so the read that follows finds it; a miss (the record
    // gone between the two) is claimed again at once with a fresh result id, and a key still
    // missing after REPLAY_ATTEMPT_COUNT_MAX claims is a bug (assert). retry()'s jittered backoff
    // would only delay the caller, and its last attempt would rethrow instead of asserting.
    for (let attempt = 1; ; attempt += 1) {
      const resultId = randomUUID();
      const now = new Date();
      try {
        return await deps.unitOfWork.run(
          async (tx) => {
            tx.queue(claimIdempotencyKey({ key: claim.key, operation: claim.operation, requestHash: claim.hash, resultId, createdAt: now }));
            return work(resultId, now)(tx);
          },
          { writesOutbox: true },
        );
      } catch (error: unknown) {
        if (!(error instanceof IdempotencyKeyTaken)) throw error;
      }
      const replayed = await replay(claim, load);
      if (replayed.found) return replayed.value;
      assert(attempt < REPLAY_ATTEMPT_COUNT_MAX, 'idempotency key reported taken but never found');
    }
  }

  return { idempotent, replay };
}
