# syntax=docker/dockerfile:1
#
# Every walletgraph process from one multi-stage build; the build context is the workspace root.
#   docker build --target subgraph-wallet  -t walletgraph/subgraph-wallet .
#   docker build --target subgraph-balance -t walletgraph/subgraph-balance .
#   docker build --target gateway          -t walletgraph/gateway .
#   docker build --target migrate          -t walletgraph/migrate .
#   docker build --target tools            -t walletgraph/tools .
# docker-compose.yml builds all five. Stages:
#   manifests  package.json files and the lockfile only, so dependency layers stay cached
#   build      npm ci (all dependencies) + npm run build (Prisma clients, tsc, supergraph, playground)
#   deps-*     npm ci --omit=dev for one workspace: the production node_modules of one image
#   <target>   runtime: production dependencies + built output, NODE_ENV=production, user node

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS base
ENV CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    TURBO_TELEMETRY_DISABLED=1 \
    APOLLO_TELEMETRY_DISABLED=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app

# The npm the lockfile and the `allowScripts` policy in package.json are written for (packageManager).
FROM base AS tooling
ARG NPM_VERSION=11.19.1
RUN npm install --global "npm@${NPM_VERSION}" && npm --version

FROM tooling AS manifests
COPY package.json package-lock.json .npmrc ./
COPY platform/package.json platform/
COPY subgraph-wallet/package.json subgraph-wallet/
COPY subgraph-balance/package.json subgraph-balance/
COPY gateway/package.json gateway/
COPY sdk/package.json sdk/
COPY bench/package.json bench/

FROM manifests AS build
RUN --mount=type=cache,target=/root/.npm npm ci
COPY tsconfig.base.json turbo.json ./
COPY prisma prisma
COPY platform platform
COPY subgraph-wallet subgraph-wallet
COPY subgraph-balance subgraph-balance
COPY gateway gateway
# The three processes and what they depend on (platform); the SDK is not part of any image.
# Prisma generate needs no schema engine; the migrate image brings its own (MIGRATOR=prisma).
RUN PRISMA_SCHEMA_ENGINE_BINARY=/bin/false npm run build -- \
      --filter=@walletgraph/subgraph-wallet \
      --filter=@walletgraph/subgraph-balance \
      --filter=@walletgraph/gateway

FROM manifests AS deps-subgraph-wallet
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --workspace @walletgraph/subgraph-wallet

FROM manifests AS deps-subgraph-balance
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --workspace @walletgraph/subgraph-balance

FROM manifests AS deps-gateway
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --workspace @walletgraph/gateway

# The applier (scripts/db.mjs) and the tools (secrets, token) need the platform package and the mariadb driver only.
FROM manifests AS deps-migrate
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --workspace @walletgraph/platform --include-workspace-root

# Prisma's CLI at the lockfile's version with its schema engine, outside the workspace, for
# MIGRATOR=prisma. Dependency install scripts are blocked by npm's policy, so the engine download
# is run explicitly and checked with `prisma version`.
FROM tooling AS prisma-cli
RUN apt-get update \
 && apt-get install --yes --no-install-recommends openssl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY package-lock.json /tmp/package-lock.json
RUN version="$(node -p "require('/tmp/package-lock.json').packages['node_modules/prisma'].version")" \
 && npm install --prefix /opt/prisma-cli --no-audit --no-fund "prisma@${version}" \
 && (cd /opt/prisma-cli/node_modules/@prisma/engines && node scripts/postinstall.js) \
 && /opt/prisma-cli/node_modules/.bin/prisma version

FROM base AS subgraph-wallet
ENV NODE_ENV=production TZ=UTC
COPY --from=deps-subgraph-wallet /app/ ./
COPY --from=build /app/platform/dist platform/dist
COPY --from=build /app/subgraph-wallet/dist subgraph-wallet/dist
COPY deploy/healthcheck.mjs deploy/healthcheck.mjs
USER node
EXPOSE 4001 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD node deploy/healthcheck.mjs "http://127.0.0.1:${WALLET_PORT:-4001}/health/ready"
CMD ["node", "subgraph-wallet/dist/main.js"]

FROM base AS subgraph-balance
ENV NODE_ENV=production TZ=UTC
COPY --from=deps-subgraph-balance /app/ ./
COPY --from=build /app/platform/dist platform/dist
COPY --from=build /app/subgraph-balance/dist subgraph-balance/dist
COPY deploy/healthcheck.mjs deploy/healthcheck.mjs
USER node
EXPOSE 4002 3003
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD node deploy/healthcheck.mjs "http://127.0.0.1:${BALANCE_PORT:-4002}/health/ready"
CMD ["node", "subgraph-balance/dist/main.js"]

FROM base AS gateway
ENV NODE_ENV=production TZ=UTC
COPY --from=deps-gateway /app/ ./
COPY --from=build /app/platform/dist platform/dist
COPY --from=build /app/gateway/dist gateway/dist
COPY --from=build /app/gateway/public gateway/public
COPY --from=build /app/gateway/supergraph.graphql gateway/supergraph.graphql
# The trusted-documents manifest (GATEWAY_TRUSTED_DOCUMENTS=clients is the production default).
COPY sdk/persisted-query-manifest.json sdk/persisted-query-manifest.json
COPY deploy/healthcheck.mjs deploy/healthcheck.mjs
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD node deploy/healthcheck.mjs "http://127.0.0.1:${GATEWAY_PORT:-4000}/health/ready"
CMD ["node", "gateway/dist/main.js"]

# One-shots beside the services: the secret generator (compose service `secrets`, the default
# command), the token command (`docker compose run --rm token --admin`, scripts/token.mjs) and the
# Kafka topics and ACLs (`kafka-init`, deploy/kafka/provision.mjs).
FROM base AS tools
ENV NODE_ENV=production TZ=UTC
COPY --from=deps-migrate /app/ ./
COPY --from=build /app/platform/dist platform/dist
COPY scripts/token.mjs scripts/token.mjs
COPY scripts/lib scripts/lib
COPY deploy/secrets.mjs deploy/secrets.mjs
COPY deploy/kafka/provision.mjs deploy/kafka/provision.mjs
USER node
HEALTHCHECK NONE
CMD ["node", "deploy/secrets.mjs"]

# One-shot: migrate both databases and seed them, then exit (see deploy/migrate.sh).
FROM base AS migrate
RUN apt-get update \
 && apt-get install --yes --no-install-recommends openssl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production TZ=UTC \
    MIGRATOR=applier \
    PATH=/opt/prisma-cli/node_modules/.bin:$PATH
COPY --from=prisma-cli /opt/prisma-cli /opt/prisma-cli
COPY --from=deps-migrate /app/ ./
COPY --from=build /app/platform/dist platform/dist
COPY prisma prisma
COPY scripts/db.mjs scripts/db.mjs
COPY scripts/lib scripts/lib
COPY deploy/migrate.sh deploy/migrate.sh
COPY deploy/prisma deploy/prisma
USER node
HEALTHCHECK NONE
CMD ["sh", "deploy/migrate.sh"]
