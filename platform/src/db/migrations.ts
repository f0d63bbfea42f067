import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Connection } from 'mariadb';
import type { Logger } from 'pino';
import { parseMysqlUrl, redactUrl, type MysqlTarget } from './mysql-url.js';
import { connectMariaDb } from './pool.js';

/** The same advisory lock name `prisma migrate deploy` takes on MySQL, so both tools exclude each other. */
const MIGRATION_LOCK_NAME = 'prisma_migrate';
const MIGRATION_LOCK_TIMEOUT_S = 60;

/** Exactly the table `prisma migrate deploy` creates on MySQL. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export interface MigrationFile {
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

interface AppliedRow {
  readonly migration_name: string;
  readonly checksum: string;
  readonly finished_at: Date | null;
  readonly rolled_back_at: Date | null;
}

/** Prisma's checksum: SHA-256 of migration.sql as bytes, lowercase hex. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/** Reads `<dir>/<timestamp>_<name>/migration.sql` in lexical (= chronological) order. */
export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const sql = await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
    files.push({ name, sql, checksum: migrationChecksum(sql) });
  }
  return files;
}

/** UTC session, no driver init statement, an 'error' listener: see pool.ts. */
async function connect(target: MysqlTarget, database: string | undefined): Promise<Connection> {
  return connectMariaDb({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    ...(database === undefined ? {} : { database }),
    multipleStatements: true,
    ...(target.ssl ? { ssl: { rejectUnauthorized: true } } : {}),
    ...(target.allowPublicKeyRetrieval ? { allowPublicKeyRetrieval: true } : {}),
    connectTimeout: 3_000,
  });
}

/** Creates the database when missing (MariaDB root locally; managed databases usually exist). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = parseMysqlUrl(url);
  const connection = await connect(target, undefined).catch((error: unknown) => {
    throw new MigrationError(`cannot connect to ${redactUrl(url)}: ${(error as Error).message}`);
  });
  try {
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${target.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await connection.end();
  }
}

export interface ApplyMigrationsResult {
  readonly applied: readonly string[];
  readonly alreadyApplied: readonly string[];
}

function checkHistory(files: readonly MigrationFile[], rows: readonly AppliedRow[]): Set<string> {
  const byName = new Map(files.map((f) => [f.name, f]));
  const done = new Set<string>();
  for (const row of rows) {
    if (row.rolled_back_at !== null) continue;
    if (row.finished_at === null) {
      throw new MigrationError(
        `migration ${row.migration_name} started but did not finish; fix the database by hand, then mark it rolled back (prisma migrate resolve --rolled-back ${row.migration_name})`,
      );
    }
    const file = byName.get(row.migration_name);
    if (file === undefined) {
      throw new MigrationError(`migration ${row.migration_name} is applied in the database but missing from the migrations folder`);
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(`migration ${row.migration_name} was modified after it was applied (checksum differs); add a new migration instead`);
    }
    done.add(row.migration_name);
  }
  return done;
}

async function applyOne(connection: Connection, file: MigrationFile): Promise<void> {
  const id = randomUUID();
  await connection.query(
    'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, CURRENT_TIMESTAMP(3), 0)',
    [id, file.checksum, file.name],
  );
  try {
    await connection.query(file.sql);
  } catch (error: unknown) {
    const message = (error as Error).message;
    await connection.query('UPDATE _prisma_migrations SET logs = ? WHERE id = ?', [message, id]);
    throw new MigrationError(`migration ${file.name} failed: ${message}`);
  }
  await connection.query('UPDATE _prisma_migrations SET finished_at = CURRENT_TIMESTAMP(3), applied_steps_count = 1 WHERE id = ?', [id]);
}

/**
 * Applies pending migrations once each, in order, like `prisma migrate deploy`: same table, same
 * rows and checksums, same advisory lock, so two processes starting together apply each migration once.
 */
export async function applyMigrations(url: string, migrationsDir: string, logger: Logger): Promise<ApplyMigrationsResult> {
  const files = await readMigrations(migrationsDir);
  await ensureDatabase(url);
  const target = parseMysqlUrl(url);
  const connection = await connect(target, target.database);
  try {
    const [lock] = await connection.query<Array<{ acquired: number | bigint | null }>>('SELECT GET_LOCK(?, ?) AS acquired', [
      MIGRATION_LOCK_NAME,
      MIGRATION_LOCK_TIMEOUT_S,
    ]);
    if (Number(lock?.acquired) !== 1) throw new MigrationError(`timed out after ${MIGRATION_LOCK_TIMEOUT_S}s waiting for the migration lock`);
    try {
      await connection.query(CREATE_MIGRATIONS_TABLE);
      const rows = await connection.query<AppliedRow[]>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at, migration_name',
      );
      const done = checkHistory(files, rows);
      const applied: string[] = [];
      for (const file of files) {
        if (done.has(file.name)) continue;
        logger.info({ migration: file.name, database: target.database }, 'applying migration');
        await applyOne(connection, file);
        applied.push(file.name);
      }
      return { applied, alreadyApplied: [...done] };
    } finally {
      await connection.query('SELECT RELEASE_LOCK(?)', [MIGRATION_LOCK_NAME]);
    }
  } finally {
    await connection.end();
  }
}
