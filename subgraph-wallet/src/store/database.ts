import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { toUnavailable, type Logger } from '@walletgraph/platform/core';
import { createMariaDbPool, parseMysqlUrl, poolConfigFor } from '@walletgraph/platform/db';
import type { Pool } from 'mariadb';
import { PrismaClient } from '../generated/prisma/client.js';

export interface DatabaseConfig {
  readonly databaseUrl: string;
  readonly poolSizeMax: number;
  readonly acquireTimeoutMs: number;
}

export interface DatabaseDeps {
  readonly logger: Logger;
  /** Observes every SQL statement Prisma sends (tests count them to prove batching). */
  readonly onSqlQuery?: (sql: string) => void;
}

export interface Database {
  readonly prisma: PrismaClient;
  /**
   * The driver pool under Prisma, for the unit of work's multi-statement transactions (store only).
   * Its connections allow several statements per query: every statement text in this package is a
   * constant with `?` placeholders, so values can never add one.
   */
  readonly pool: Pool;
  readonly onSqlQuery: ((sql: string) => void) | undefined;
  /** The database name, used to scope server-wide advisory locks. */
  readonly databaseName: string;
  /** Fails with UnavailableError when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createDatabase(deps: DatabaseDeps, config: DatabaseConfig): Database {
  const target = parseMysqlUrl(config.databaseUrl);
  // UTC sessions, and a database blip cannot crash the process (see createMariaDbPool).
  const pool: Pool = createMariaDbPool(
    {
      ...poolConfigFor(target, { connectionCountMax: config.poolSizeMax, acquireTimeoutMs: config.acquireTimeoutMs }),
      multipleStatements: true,
    },
    deps.logger,
  );
  const onSqlQuery = deps.onSqlQuery;
  // Query events cost CPU on every statement, so Prisma emits them only when someone listens.
  const prisma = new PrismaClient({
    adapter: new PrismaMariaDb(pool, { disposeExternalPool: false }),
    log: onSqlQuery === undefined ? [] : [{ emit: 'event', level: 'query' }],
  });
  if (onSqlQuery !== undefined) (prisma as PrismaClient<'query'>).$on('query', (event) => onSqlQuery(event.query));
  return {
    prisma,
    pool,
    onSqlQuery,
    databaseName: target.database,
    async ping() {
      await withDb(() => prisma.$queryRaw`SELECT 1`);
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** Runs a database call, turning "cannot reach the database" into a retriable UnavailableError. */
export async function withDb<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error: unknown) {
    throw toUnavailable(error);
  }
}

/**
 * A read by constant SQL text on the driver pool, without Prisma: the hot by-id reads of a federated
 * request (one per loader batch) skip Prisma's per-query compile and result mapping. Reported to
 * onSqlQuery like Prisma's statements.
 */
export async function selectRows<Row>(db: Database, sql: string, values: readonly unknown[]): Promise<Row[]> {
  db.onSqlQuery?.(sql);
  // The text itself, not `{ sql }`: an options object makes the driver copy its whole connection
  // options into every query command.
  return withDb(async () => await db.pool.query<Row[]>(sql, [...values]));
}

/** `?, ?, …` for an IN list of `count` values (count ≥ 1; loaders bound it). */
export function placeholders(count: number): string {
  // One id per request is the common case (a federated read): its list is a constant.
  return count === 1 ? '?' : Array.from({ length: count }, () => '?').join(', ');
}

/** A DATETIME(3) read as text (`CAST(… AS CHAR)`, session in UTC) → Date, whatever the process time zone. */
export function utcDate(text: string): Date {
  return new Date(`${text.replace(' ', 'T')}Z`);
}
