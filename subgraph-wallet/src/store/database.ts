import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { parseMysqlUrl, poolConfigFor, toUnavailable, type Logger } from '@walletgraph/platform';
import { createPool, type Pool } from 'mariadb';
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
  /** The database name, used to scope server-wide advisory locks. */
  readonly databaseName: string;
  /** Fails with UnavailableError when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createDatabase(deps: DatabaseDeps, config: DatabaseConfig): Database {
  const target = parseMysqlUrl(config.databaseUrl);
  const pool: Pool = createPool(poolConfigFor(target, { connectionCountMax: config.poolSizeMax, acquireTimeoutMs: config.acquireTimeoutMs }));
  const prisma = new PrismaClient({
    adapter: new PrismaMariaDb(pool, { disposeExternalPool: false }),
    log: [{ emit: 'event', level: 'query' }],
  });
  const onSqlQuery = deps.onSqlQuery;
  if (onSqlQuery !== undefined) prisma.$on('query', (event) => onSqlQuery(event.query));
  return {
    prisma,
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
