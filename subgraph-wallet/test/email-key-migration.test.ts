// The email-uniqueness migration against the real MariaDB: a database created by the first
// migration, holding rows written before it (mixed case, accents), is migrated; the backfilled
// keys and the new rule (case-insensitive, accent-sensitive) are checked in SQL.
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations, connectMariaDb, parseMysqlUrl } from '@walletgraph/platform/db';
import { silentLogger } from './helpers';

const migrationsDir = path.resolve(__dirname, '../../prisma/wallet/migrations');
const base = parseMysqlUrl(process.env['WALLET_DATABASE_URL'] ?? 'mysql://root@127.0.0.1:3306/x');
const database = `wgemail_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const url = `mysql://${base.user}:${base.password}@${base.host}:${base.port}/${database}`;

async function query<T = unknown>(sql: string, values: unknown[] = []): Promise<T> {
  const connection = await connectMariaDb({ host: base.host, port: base.port, user: base.user, password: base.password, database }, silentLogger);
  try {
    return await connection.query<T>(sql, values);
  } finally {
    await connection.end();
  }
}

async function insertFails(sql: string, values: unknown[]): Promise<string | undefined> {
  try {
    await query(sql, values);
    return undefined;
  } catch (error: unknown) {
    return (error as { code?: string }).code;
  }
}

const legacy = [
  ['Zoë', 'Zoë@Example.com'],
  ['Upper', 'UPPER@EXAMPLE.COM'],
  ['Lucas', 'lucas@l.com'],
] as const;

afterAll(async () => {
  const connection = await connectMariaDb({ host: base.host, port: base.port, user: base.user, password: base.password }, silentLogger);
  await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await connection.end();
});

it('backfills email_key on existing rows and then compares case-insensitively, accents kept', async () => {
  // The database as it was: only the first migration.
  const before = await mkdtemp(path.join(os.tmpdir(), 'wg-email-migration-'));
  await cp(path.join(migrationsDir, '20261126000000_init'), path.join(before, '20261126000000_init'), { recursive: true });
  await applyMigrations(url, before, silentLogger);
  for (const [name, email] of legacy) {
    await query('INSERT INTO clients (id, name, email) VALUES (?, ?, ?)', [randomUUID(), name, email]);
  }
  // The defect: under utf8mb4_unicode_ci an accent-only difference is a duplicate.
  expect(await insertFails('INSERT INTO clients (id, name, email) VALUES (?, ?, ?)', [randomUUID(), 'Lücas', 'lücas@l.com'])).toBe('ER_DUP_ENTRY');

  const result = await applyMigrations(url, migrationsDir, silentLogger);
  expect(result.applied).toContain('20261201000000_email_key');

  const rows = await query<Array<{ email: string; email_key: string }>>('SELECT email, email_key FROM clients ORDER BY name');
  expect(rows.map((row) => [row.email, row.email_key])).toEqual([
    ['lucas@l.com', 'lucas@l.com'],
    ['UPPER@EXAMPLE.COM', 'upper@example.com'],
    ['Zoë@Example.com', 'zoë@example.com'],
  ]);
  const insert = (email: string) =>
    insertFails('INSERT INTO clients (id, name, email, email_key) VALUES (?, ?, ?, ?)', [randomUUID(), 'New', email, email.toLowerCase().normalize('NFC')]);
  expect(await insert('lücas@l.com')).toBeUndefined();
  expect(await insert('zoe@example.com')).toBeUndefined();
  expect(await insert('ZOË@example.com')).toBe('ER_DUP_ENTRY');
  expect(await insert('upper@example.com')).toBe('ER_DUP_ENTRY');
  expect(await insert('Lücas@L.com')).toBe('ER_DUP_ENTRY');
  // A row without a key cannot be written any more (the unique rule would not see it).
  expect(await insertFails('INSERT INTO clients (id, name, email) VALUES (?, ?, ?)', [randomUUID(), 'Nokey', 'nokey@example.com'])).toMatch(
    /ER_NO_DEFAULT_FOR_FIELD|ER_BAD_NULL_ERROR/,
  );
});
