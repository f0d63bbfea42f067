import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { parseMysqlUrl, poolConfigFor } from '@walletgraph/platform';
import { PrismaClient } from '../generated/prisma/client.js';

export interface PrismaClientConfig {
  readonly databaseUrl: string;
  readonly poolSizeMax: number;
  readonly acquireTimeoutMs: number;
}

export interface PrismaClientDeps {
  /** Called with every SQL statement Prisma sends (tests count queries with it). */
  readonly onSqlQuery?: (sql: string) => void;
}

export type BalancePrisma = PrismaClient;

/** The only place a Prisma client is built: MariaDB driver adapter, DECIMAL kept as strings. */
export function createPrismaClient(deps: PrismaClientDeps, config: PrismaClientConfig): BalancePrisma {
  const pool = poolConfigFor(parseMysqlUrl(config.databaseUrl), {
    connectionCountMax: config.poolSizeMax,
    acquireTimeoutMs: config.acquireTimeoutMs,
  });
  const adapter = new PrismaMariaDb(pool);
  const onSqlQuery = deps.onSqlQuery;
  if (onSqlQuery === undefined) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  client.$on('query', (event) => onSqlQuery(event.query));
  return client as unknown as BalancePrisma;
}
