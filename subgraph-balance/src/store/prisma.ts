import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import type { Logger } from '@walletgraph/platform/core';
import { createMariaDbPool, parseMysqlUrl, poolConfigFor } from '@walletgraph/platform/db';
import { PrismaClient } from '../generated/prisma/client.js';

export interface PrismaClientConfig {
  readonly databaseUrl: string;
  readonly poolSizeMax: number;
  readonly acquireTimeoutMs: number;
}

export interface PrismaClientDeps {
  /** Called with every SQL statement Prisma sends (tests count queries with it). */
  readonly onSqlQuery?: (sql: string) => void;
  /** Where lost database connections are reported (debug/warn); silent when absent. */
  readonly logger?: Logger;
}

export type BalancePrisma = PrismaClient;

/** The only place a Prisma client is built: MariaDB driver adapter, DECIMAL kept as strings. */
export function createPrismaClient(deps: PrismaClientDeps, config: PrismaClientConfig): BalancePrisma {
  // We open the pool ourselves (not the adapter) so that its connections get UTC sessions without the
  // driver's crash-prone init statement, and 'error' listeners: a database blip cannot kill the process.
  const pool = createMariaDbPool(
    {
      ...poolConfigFor(parseMysqlUrl(config.databaseUrl), {
        connectionCountMax: config.poolSizeMax,
        acquireTimeoutMs: config.acquireTimeoutMs,
      }),
      // What the adapter applies to pools it creates itself.
      prepareCacheLength: 0,
    },
    deps.logger,
  );
  // The client owns the pool: $disconnect() ends it.
  const adapter = new PrismaMariaDb(pool, { disposeExternalPool: true });
  const onSqlQuery = deps.onSqlQuery;
  if (onSqlQuery === undefined) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  client.$on('query', (event) => onSqlQuery(event.query));
  return client;
}
