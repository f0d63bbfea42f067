import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import type { Logger } from '@walletgraph/platform/core';
import { createMariaDbPool, parseMysqlUrl, poolConfigFor } from '@walletgraph/platform/db';
import type { Pool } from 'mariadb';
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

/** The driver pool under each client this module built, and its SQL observer (reads that skip Prisma). */
const driverPools = new WeakMap<object, { readonly pool: Pool; readonly onSqlQuery: ((sql: string) => void) | undefined }>();

/** The pool under a client built by createPrismaClient (undefined for any other client). */
export function driverPoolOf(prisma: BalancePrisma): { readonly pool: Pool; readonly onSqlQuery: ((sql: string) => void) | undefined } | undefined {
  return driverPools.get(prisma);
}

/**
 * Disconnects the client and ends its driver pool. `$disconnect()` disposes the adapter (and so the
 * pool) only if Prisma itself ever connected it; a client whose every query went through the driver
 * pool (the projector's apply, the by-id reads) would leave the pool's idle connections open and keep
 * the process alive (the test run did not exit).
 */
export async function disconnectPrisma(prisma: BalancePrisma): Promise<void> {
  await prisma.$disconnect();
  const pool = driverPools.get(prisma)?.pool;
  if (pool !== undefined && !pool.closed) await pool.end();
}

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
      // The projector's apply transaction sends several statements per round trip (store/driver-apply.ts).
      multipleStatements: true,
    },
    deps.logger,
  );
  // The client owns the pool: disconnectPrisma() ends it ($disconnect() alone only if Prisma ever connected).
  const adapter = new PrismaMariaDb(pool, { disposeExternalPool: true });
  const onSqlQuery = deps.onSqlQuery;
  if (onSqlQuery === undefined) {
    const plain = new PrismaClient({ adapter });
    driverPools.set(plain, { pool, onSqlQuery });
    return plain;
  }
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  client.$on('query', (event) => onSqlQuery(event.query));
  driverPools.set(client, { pool, onSqlQuery });
  return client;
}
