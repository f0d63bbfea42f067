#!/usr/bin/env node
// npm run db:migrate | db:seed — applies the SQL migrations (recorded like `prisma migrate deploy`)
// and the idempotent seed to both databases named by WALLET_DATABASE_URL / BALANCE_DATABASE_URL.
import { ensureMariaDb } from './lib/mariadb.mjs';
import { defaultUrls, migrateAll, seedAll, platform } from './lib/databases.mjs';

const command = process.argv[2] ?? 'migrate';
const log = (line) => console.log(line);

try {
  const { isPublishedSecret, parseMysqlUrl, resolveEnvFiles } = platform();
  // WALLET_DATABASE_URL_FILE / BALANCE_DATABASE_URL_FILE: the URLs from files (the compose secrets).
  const resolved = resolveEnvFiles(process.env, Object.keys(defaultUrls));
  if (resolved.problems.length > 0) throw new Error(resolved.problems.map((problem) => `${problem.variable}: ${problem.message}`).join('; '));
  const urls = {
    WALLET_DATABASE_URL: resolved.env.WALLET_DATABASE_URL || defaultUrls.WALLET_DATABASE_URL,
    BALANCE_DATABASE_URL: resolved.env.BALANCE_DATABASE_URL || defaultUrls.BALANCE_DATABASE_URL,
  };
  if (process.env.NODE_ENV === 'production') {
    for (const [name, url] of Object.entries(urls))
      if (isPublishedSecret(url)) throw new Error(`${name}: its password is published in the walletgraph repository; set one of your own`);
  }
  const target = parseMysqlUrl(urls.WALLET_DATABASE_URL);
  await ensureMariaDb({ host: target.host, port: target.port, log });
  if (command === 'migrate' || command === 'setup') await migrateAll(urls, log);
  if (command === 'seed' || command === 'setup') await seedAll(urls, log);
  if (!['migrate', 'seed', 'setup'].includes(command)) throw new Error(`unknown command ${command} (migrate, seed or setup)`);
} catch (error) {
  console.error(`db: ${error.message}`);
  process.exit(1);
}
