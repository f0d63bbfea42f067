// `prisma migrate deploy --config deploy/prisma/wallet.config.mjs` (MIGRATOR=prisma in the migrate
// image). Prisma 7 reads the datasource URL only from a config file; paths are relative to this file.
// A plain object (no `prisma/config` import) so it loads from any prisma install.
export default {
  schema: '../../prisma/wallet/schema.prisma',
  migrations: { path: '../../prisma/wallet/migrations' },
  datasource: { url: process.env.WALLET_DATABASE_URL },
};
