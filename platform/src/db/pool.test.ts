import net from 'node:net';
import type { Pool } from 'mariadb';
import pino from 'pino';
import { parseMysqlUrl, poolConfigFor, type MysqlTarget } from './mysql-url.js';
import { connectMariaDb, createMariaDbPool } from './pool.js';

/*
 * Regression: mariadb 3.4.5 runs the `timezone` option's `SET time_zone` on a promise chain nobody
 * holds; a socket cut during that round trip surfaced as an unhandled rejection ("setting timezone
 * '+00:00' fails on server") and killed the whole Jest process / a service. These tests cut sockets
 * with a TCP gate in front of the real MariaDB and watch the process for escaped errors.
 */

const logger = pino({ level: 'silent' });
const base = parseMysqlUrl(process.env['WALLET_DATABASE_URL'] ?? 'mysql://root@127.0.0.1:3306/mysql');
const target: MysqlTarget = { ...base, database: 'mysql' };

type CutRule = (chunk: Buffer, bytesSoFar: number) => boolean;

/** A TCP proxy to MariaDB that destroys a connection as soon as `cut` says so for a client chunk. */
async function startGate(): Promise<{ port: number; cut: CutRule | undefined; cutCount: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const gate = {
    port: 0,
    cut: undefined as CutRule | undefined,
    cutCount: 0,
    close: async (): Promise<void> => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(base.port, base.host);
    sockets.add(client).add(upstream);
    let bytes = 0;
    const kill = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (gate.cut?.(chunk, bytes)) {
        gate.cutCount += 1;
        kill();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    for (const socket of [client, upstream]) {
      socket.on('error', kill);
      socket.on('close', () => {
        sockets.delete(socket);
        kill();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  gate.port = (server.address() as net.AddressInfo).port;
  return gate;
}

const cutOnSetTimeZone: CutRule = (chunk) => chunk.includes('SET time_zone');

/** Collects what would otherwise crash the process (Node 20 turns unhandled rejections into exits). */
function watchProcess(): { escaped: unknown[]; stop(): void } {
  const escaped: unknown[] = [];
  const onError = (error: unknown): void => {
    escaped.push(error);
  };
  process.on('unhandledRejection', onError);
  process.on('uncaughtException', onError);
  return {
    escaped,
    stop() {
      process.off('unhandledRejection', onError);
      process.off('uncaughtException', onError);
    },
  };
}

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Like a caller after a blip: connections cut just before the gate opened may still fail once. */
async function eventually<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error: unknown) {
      if (attempt >= 10) throw error;
      await settle(100);
    }
  }
}
const messages = (errors: unknown[]): string[] => errors.map((e) => String((e as Error)?.message ?? e).split('\n')[0] ?? '');

let gate: Awaited<ReturnType<typeof startGate>>;
let watcher: ReturnType<typeof watchProcess>;
const pools: Pool[] = [];

function gatedPool(sizing = { connectionCountMax: 4, acquireTimeoutMs: 1_500 }): Pool {
  const pool = createMariaDbPool(poolConfigFor({ ...target, port: gate.port, host: '127.0.0.1' }, sizing), logger);
  pools.push(pool);
  return pool;
}

beforeEach(async () => {
  gate = await startGate();
  watcher = watchProcess();
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.end().catch(() => undefined)));
  await gate.close();
  watcher.stop();
});

test('a connection cut while its session time zone is being set fails the query, never the process; the pool recovers in UTC', async () => {
  gate.cut = cutOnSetTimeZone;
  const pool = gatedPool();
  await expect(pool.query('SELECT 1')).rejects.toThrow();
  expect(gate.cutCount).toBeGreaterThan(0);
  await settle(300);
  expect(messages(watcher.escaped)).toEqual([]);

  gate.cut = undefined;
  const rows = await eventually(() => pool.query<Array<{ tz: string }>>('SELECT @@session.time_zone AS tz'));
  expect(rows[0]?.tz).toBe('+00:00');
  expect(messages(watcher.escaped)).toEqual([]);
});

test('random socket cuts under load: every query settles, nothing escapes to the process', async () => {
  const pool = gatedPool({ connectionCountMax: 6, acquireTimeoutMs: 1_000 });
  // Cuts at random points: during the handshake, the time zone statement, or a query.
  let budget = 40;
  gate.cut = () => budget > 0 && Math.random() < 0.25 && budget-- > 0;
  const outcomes = await Promise.allSettled(
    Array.from({ length: 300 }, (_, i) => pool.query(i % 3 === 0 ? 'SELECT @@session.time_zone AS tz' : 'SELECT SLEEP(0.001) AS s')),
  );
  expect(gate.cutCount).toBeGreaterThan(0);
  // Whatever succeeded ran in UTC, including first statements on fresh connections.
  for (const outcome of outcomes) {
    if (outcome.status === 'fulfilled') {
      const row = (outcome.value as Array<{ tz?: string }>)[0];
      if (row?.tz !== undefined) expect(row.tz).toBe('+00:00');
    }
  }
  await settle(300);
  expect(messages(watcher.escaped)).toEqual([]);

  gate.cut = undefined;
  await expect(eventually(() => pool.query('SELECT 1 AS one'))).resolves.toEqual([{ one: 1 }]);
});

test('the first statement on every fresh pool connection already runs in UTC', async () => {
  const pool = gatedPool({ connectionCountMax: 5, acquireTimeoutMs: 3_000 });
  const conns = await Promise.all(Array.from({ length: 5 }, () => pool.getConnection()));
  try {
    const rows = await Promise.all(conns.map((c) => c.query('SELECT @@session.time_zone AS tz, TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW()) AS skew')));
    for (const [row] of rows as Array<Array<{ tz: string; skew: bigint | number }>>) {
      expect(row?.tz).toBe('+00:00');
      expect(Number(row?.skew)).toBe(0);
    }
  } finally {
    for (const c of conns) await c.release();
  }
});

test('a single connection (relay, migrations): a cut during setup rejects the caller only; a good one is UTC', async () => {
  gate.cut = cutOnSetTimeZone;
  const options = { host: '127.0.0.1', port: gate.port, user: target.user, password: target.password, database: target.database, connectTimeout: 3_000 };
  await expect(connectMariaDb(options, logger)).rejects.toThrow();
  expect(gate.cutCount).toBe(1);

  gate.cut = undefined;
  const connection = await connectMariaDb(options, logger);
  try {
    expect(connection.listenerCount('error')).toBeGreaterThan(0);
    await expect(connection.query('SELECT @@session.time_zone AS tz')).resolves.toEqual([{ tz: '+00:00' }]);
    // Cutting an established connection: the pending query rejects, nothing is thrown at the process.
    gate.cut = () => true;
    await expect(connection.query('SELECT 1')).rejects.toThrow();
  } finally {
    connection.destroy();
  }
  await settle(300);
  expect(messages(watcher.escaped)).toEqual([]);
});

test('driver init options that would run on an unhandled promise chain are refused', () => {
  expect(() => createMariaDbPool({ ...poolConfigFor(target), initSql: 'SET @a = 1' }, logger)).toThrow(/initSql/);
  expect(() => createMariaDbPool({ ...poolConfigFor(target), timezone: 'Europe/Paris' }, logger)).toThrow(/UTC/);
});
