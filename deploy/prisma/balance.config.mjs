// `prisma migrate deploy --config deploy/prisma/balance.config.mjs`; see wallet.config.mjs.
export default {
  schema: '../../prisma/balance/schema.prisma',
  migrations: { path: '../../prisma/balance/migrations' },
  datasource: { url: process.env.BALANCE_DATABASE_URL },
};
