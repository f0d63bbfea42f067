#!/bin/sh
# The compose `migrate` one-shot: migrate both databases, then load the idempotent seed.
#   MIGRATOR=applier (default) the project's own applier, `node scripts/db.mjs setup`
#   MIGRATOR=prisma            Prisma's schema engine, `prisma migrate deploy`, then the same seed
# Both record applied migrations in `_prisma_migrations` and take the same MySQL advisory lock,
# so either can run against a database the other migrated.
set -eu

case "${MIGRATOR:-applier}" in
  applier)
    exec node scripts/db.mjs setup
    ;;
  prisma)
    prisma migrate deploy --config deploy/prisma/wallet.config.mjs
    prisma migrate deploy --config deploy/prisma/balance.config.mjs
    exec node scripts/db.mjs seed
    ;;
  *)
    echo "migrate: MIGRATOR must be 'applier' or 'prisma' (got '${MIGRATOR}')" >&2
    exit 64
    ;;
esac
