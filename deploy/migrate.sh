#!/bin/sh
# The compose `migrate` one-shot: migrate both databases, then load the idempotent seed.
#   MIGRATOR=applier (default) the project's own applier, `node scripts/db.mjs setup`
#   MIGRATOR=prisma            Prisma's schema engine, `prisma migrate deploy`, then the same seed
# Both record applied migrations in `_prisma_migrations` and take the same MySQL advisory lock,
# so either can run against a database the other migrated.
set -eu

# Prisma's config files read the URLs from the environment; compose gives them as files (secrets).
# The applier reads WALLET_DATABASE_URL_FILE / BALANCE_DATABASE_URL_FILE itself.
from_file() {
  eval "file=\${${1}_FILE:-}"
  if [ -n "$file" ]; then
    [ -r "$file" ] || { echo "migrate: ${1}_FILE: cannot read $file" >&2; exit 66; }
    eval "$1=\$(cat \"\$file\")"
    export "$1"
  fi
}

case "${MIGRATOR:-applier}" in
  applier)
    exec node scripts/db.mjs setup
    ;;
  prisma)
    from_file WALLET_DATABASE_URL
    from_file BALANCE_DATABASE_URL
    unset WALLET_DATABASE_URL_FILE BALANCE_DATABASE_URL_FILE
    prisma migrate deploy --config deploy/prisma/wallet.config.mjs
    prisma migrate deploy --config deploy/prisma/balance.config.mjs
    exec node scripts/db.mjs seed
    ;;
  *)
    echo "migrate: MIGRATOR must be 'applier' or 'prisma' (got '${MIGRATOR}')" >&2
    exit 64
    ;;
esac
