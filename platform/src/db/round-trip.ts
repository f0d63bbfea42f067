import type { PoolConnection } from 'mariadb';
import { assert } from '../core/index.js';

/** One statement of a round trip: constant SQL with `?` placeholders and its values (never spliced in). */
export interface RoundTripStatement {
  readonly sql: string;
  readonly values: readonly unknown[];
}

/**
 * Sends `statements` in one round trip (the pool must allow multiple statements) and returns one
 * driver result per statement, in order. A write path's cost is its round trips, not its SQL.
 */
export async function queryInOneRoundTrip(connection: PoolConnection, statements: readonly RoundTripStatement[]): Promise<unknown[]> {
  const results: unknown =
    statements.length === 1
      ? [await connection.query<unknown>((statements[0] as RoundTripStatement).sql, [...(statements[0] as RoundTripStatement).values])]
      : await connection.query<unknown>(
          statements.map((s) => s.sql).join(';\n'),
          statements.flatMap((s) => s.values),
        );
  assert(
    Array.isArray(results) && results.length === statements.length,
    `${statements.length} statements returned ${Array.isArray(results) ? results.length : 'no'} results`,
  );
  return results as unknown[];
}
