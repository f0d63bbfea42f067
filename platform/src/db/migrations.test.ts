import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { applyMigrations, MigrationError } from './migrations.js';
import { parseMysqlUrl } from './mysql-url.js';
import { connectMariaDb } from './pool.js';

const logger = pino({ level: 'silent' });
const base = parseMysqlUrl(process.env['WALLET_DATABASE_URL'] ?? 'mysql://root@127.0.0.1:3306/x');

async function query<T>(database: string | undefined, sql: string, values: unknown[] = []): Promise<T> {
  const connection = await connectMariaDb(
    { host: base.host, port: base.port, user: base.user, password: base.password, ...(database ? { database } : {}) },
    logger,
  );
  try {
    return await connection.query<T>(sql, values);
  } finally {
    await connection.end();
  }
}

async function scratch(): Promise<{ url: string; database: string; dir: string }> {
  const database = `wgmig_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wg-migrations-'));
  await mkdir(path.join(dir, '20260101000000_first'));
  await writeFile(path.join(dir, '20260101000000_first', 'migration.sql'), 'CREATE TABLE a (id INT PRIMARY KEY);\nINSERT INTO a VALUES (1);\n');
  await mkdir(path.join(dir, '20260102000000_second'));
  await writeFile(path.join(dir, '20260102000000_second', 'migration.sql'), 'ALTER TABLE a ADD COLUMN name VARCHAR(10) NULL;\n');
  return { url: `mysql://${base.user}:${base.password}@${base.host}:${base.port}/${database}`, database, dir };
}

describe('applyMigrations (real MariaDB)', () => {
  const created: string[] = [];
  afterAll(async () => {
    for (const database of created) await query(undefined, `DROP DATABASE IF EXISTS \`${database}\``);
  });

  it('applies each migration once, in order, recording rows exactly like prisma migrate deploy', async () => {
    const { url, database, dir } = await scratch();
    created.push(database);
    const first = await applyMigrations(url, dir, logger);
    expect(first.applied).toEqual(['20260101000000_first', '20260102000000_second']);
    const second = await applyMigrations(url, dir, logger);
    expect(second.applied).toEqual([]);

    const rows = await query<Array<Record<string, unknown>>>(database, 'SELECT * FROM _prisma_migrations ORDER BY migration_name');
    const sql = await readFile(path.join(dir, '20260101000000_first', 'migration.sql'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      migration_name: '20260101000000_first',
      checksum: createHash('sha256').update(sql).digest('hex'),
      logs: null,
      rolled_back_at: null,
      applied_steps_count: 1,
    });
    expect(rows[0]?.['finished_at']).toBeInstanceOf(Date);
    expect(String(rows[0]?.['id'])).toMatch(/^[0-9a-f-]{36}$/);
    const columns = await query<Array<{ COLUMN_NAME: string; COLUMN_TYPE: string; IS_NULLABLE: string }>>(
      undefined,
      'SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [database, '_prisma_migrations'],
    );
    expect(columns.map((c) => `${c.COLUMN_NAME} ${c.COLUMN_TYPE} ${c.IS_NULLABLE}`)).toEqual([
      'id varchar(36) NO',
      'checksum varchar(64) NO',
      'finished_at datetime(3) YES',
      'migration_name varchar(255) NO',
      'logs text YES',
      'rolled_back_at datetime(3) YES',
      'started_at datetime(3) NO',
      'applied_steps_count int(10) unsigned NO',
    ]);
  });

  it('refuses a migration whose file changed after it was applied', async () => {
    const { url, database, dir } = await scratch();
    created.push(database);
    await applyMigrations(url, dir, logger);
    await writeFile(path.join(dir, '20260101000000_first', 'migration.sql'), 'CREATE TABLE a (id BIGINT PRIMARY KEY);\n');
    await expect(applyMigrations(url, dir, logger)).rejects.toThrow(/20260101000000_first was modified after it was applied/);
  });

  it('records a failed migration and refuses to continue past it', async () => {
    const { url, database, dir } = await scratch();
    created.push(database);
    await mkdir(path.join(dir, '20260103000000_broken'));
    await writeFile(path.join(dir, '20260103000000_broken', 'migration.sql'), 'ALTER TABLE missing ADD COLUMN x INT;\n');
    await expect(applyMigrations(url, dir, logger)).rejects.toThrow(MigrationError);
    const [row] = await query<Array<{ finished_at: Date | null; logs: string }>>(
      database,
      "SELECT finished_at, logs FROM _prisma_migrations WHERE migration_name = '20260103000000_broken'",
    );
    expect(row?.finished_at).toBeNull();
    expect(row?.logs).toMatch(/missing/);
    await expect(applyMigrations(url, dir, logger)).rejects.toThrow(/started but did not finish/);
  });

  it('applies each migration once when several processes start together', async () => {
    const { url, database, dir } = await scratch();
    created.push(database);
    const results = await Promise.all([1, 2, 3, 4].map(() => applyMigrations(url, dir, logger)));
    expect(results.flatMap((r) => r.applied).sort()).toEqual(['20260101000000_first', '20260102000000_second']);
    const [count] = await query<Array<{ n: bigint }>>(database, 'SELECT COUNT(*) AS n FROM _prisma_migrations');
    expect(Number(count?.n)).toBe(2);
    const [rowsInA] = await query<Array<{ n: bigint }>>(database, 'SELECT COUNT(*) AS n FROM a');
    expect(Number(rowsInA?.n)).toBe(1);
  });
});
