import { assert } from '@walletgraph/platform/core';

/**
 * One SQL statement of a unit of work, with how to read its result. Statements are built by the
 * repository modules and sent by `Tx.run`, several per round trip: the write path's cost is
 * dominated by round trips (a socket write and a wake-up each), not by the SQL itself.
 *
 * `sql` is always a constant with `?` placeholders; values are never spliced into the text.
 */
export interface Statement<T> {
  readonly sql: string;
  readonly values: readonly unknown[];
  /** Turns the driver's result (rows, or an OK packet) into the caller's value; may assert. */
  readonly read: (result: unknown) => T;
  /** Maps a failure of this round trip to a domain error when it is this statement's (e.g. a duplicate key); undefined when it is not. */
  readonly mapError?: (error: unknown) => Error | undefined;
}

export type StatementResults<S extends readonly Statement<unknown>[]> = { -readonly [K in keyof S]: S[K] extends Statement<infer T> ? T : never };

/** The OK packet of an INSERT/UPDATE/DELETE. */
export function affectedRowsOf(result: unknown): number {
  const affected = typeof result === 'object' && result !== null ? (result as { affectedRows?: unknown }).affectedRows : undefined;
  assert(typeof affected === 'number', 'a write statement returned no affected-row count');
  return affected;
}

/** The rows of a SELECT. */
export function rowsOf<Row>(result: unknown): Row[] {
  assert(Array.isArray(result), 'a SELECT returned no rows array');
  return result as Row[];
}

/** A write whose result must touch exactly `expected` rows (a mismatch is a bug, not an operating error). */
export function write(sql: string, values: readonly unknown[], expected: number, what: string): Statement<void> {
  return {
    sql,
    values,
    read: (result) => {
      const affected = affectedRowsOf(result);
      assert(affected === expected, `${what} affected ${affected} rows, expected ${expected}`);
    },
  };
}
