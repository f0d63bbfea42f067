// Creates, migrates and seeds the two databases with the project's own migration applier.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The platform doors the tools use (core, db, auth: configuration, the migration applier, tokens),
 * built (npm run build) before any script uses them. The Kafka door only where asked
 * (`platform('kafka')`: principals, credentials, ACL provisioning), so the token and migration tools
 * never load kafkajs.
 */
export function platform(...extraDoors) {
  try {
    return Object.assign({}, ...['core', 'db', 'auth', ...extraDoors].map((door) => require(path.join(root, `platform/dist/${door}/index.js`))));
  } catch {
    throw new Error('platform is not built: run `npm run build` first');
  }
}

export const databases = [
  { name: 'wallet', urlVar: 'WALLET_DATABASE_URL', migrations: path.join(root, 'prisma/wallet/migrations'), seed: path.join(root, 'prisma/seed/wallet.sql') },
  {
    name: 'balance',
    urlVar: 'BALANCE_DATABASE_URL',
    migrations: path.join(root, 'prisma/balance/migrations'),
    seed: path.join(root, 'prisma/seed/balance.sql'),
  },
];

export const defaultUrls = {
  WALLET_DATABASE_URL: 'mysql://root@127.0.0.1:3306/wallet',
  BALANCE_DATABASE_URL: 'mysql://root@127.0.0.1:3306/ms_balance',
};

function silentLogger(log) {
  const info = (obj, msg) => log(`${msg ?? ''} ${obj && obj.migration ? obj.migration : ''}`.trim());
  return {
    info,
    debug() {},
    warn: info,
    error: info,
    child() {
      return this;
    },
  };
}

async function runSql(url, sql) {
  const mariadb = require('mariadb');
  const { parseMysqlUrl } = platform();
  const t = parseMysqlUrl(url);
  const connection = await mariadb.createConnection({
    host: t.host,
    port: t.port,
    user: t.user,
    password: t.password,
    database: t.database,
    multipleStatements: true,
  });
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

export async function dropDatabase(url) {
  const mariadb = require('mariadb');
  const { parseMysqlUrl } = platform();
  const t = parseMysqlUrl(url);
  const connection = await mariadb.createConnection({ host: t.host, port: t.port, user: t.user, password: t.password });
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${t.database}\``);
  } finally {
    await connection.end();
  }
}

export async function migrateAll(urls, log = console.log) {
  const { applyMigrations } = platform();
  for (const db of databases) {
    const result = await applyMigrations(
      urls[db.urlVar],
      db.migrations,
      silentLogger((m) => log(`[migrate:${db.name}] ${m}`)),
    );
    log(`[migrate:${db.name}] ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`);
  }
}

export async function seedAll(urls, log = console.log) {
  for (const db of databases) {
    await runSql(urls[db.urlVar], await readFile(db.seed, 'utf8'));
    log(`[seed:${db.name}] seed data present`);
  }
}
