#!/usr/bin/env node
// npm run db:migrate | db:seed — applies the SQL migrations (recorded like `prisma migrate deploy`)
// and the idempotent seed to both databases named by WALLET_DATABASE_URL / BALANCE_DATABASE_URL.
import { ensureMariaDb } from './lib/mariadb.mjs';
import { defaultUrls, migrateAll, seedAll, platform } from './lib/databases.mjs';

const command = process.argv[2] ?? 'migrate';
const urls = {
  WALLET_DATABASE_URL: process.env.WALLET_DATABASE_URL ?? defaultUrls.WALLET_DATABASE_URL,
  BALANCE_DATABASE_URL: process.env.BALANCE_DATABASE_URL ?? defaultUrls.BALANCE_DATABASE_URL,
};
const log = (line) => console.log(line);

try {
  const { parseMysqlUrl } = platform();
  const target = parseMysqlUrl(urls.WALLET_DATABASE_URL);
  await ensureMariaDb({ host: target.host, port: target.port, log });
  if (command === 'migrate' || command === 'setup') await migrateAll(urls, log);
  if (command === 'seed' || command === 'setup') await seedAll(urls, log);
  if (!['migrate', 'seed', 'setup'].includes(command)) throw new Error(`unknown command ${command} (migrate, seed or setup)`);
} catch (error) {
  console.error(`db: ${error.message}`);
  process.exit(1);
}
