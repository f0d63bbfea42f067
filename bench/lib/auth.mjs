// Credentials for the benchmark's own processes: fresh secrets per run (NODE_ENV=production
// demands real ones), an admin bearer token for the gateway, and a gateway-signed identity for
// the scenarios that call a subgraph directly (minted again before its 60 s lifetime ends).
import { randomBytes } from 'node:crypto';
import { platform } from '../../scripts/lib/databases.mjs';

const secrets = {
  AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET ?? randomBytes(32).toString('hex'),
  INTERNAL_AUTH_SECRET: process.env.INTERNAL_AUTH_SECRET ?? randomBytes(32).toString('hex'),
};

/** Kafka passwords of every principal for the bench's own broker: fresh per run, like the secrets above. */
export const kafkaEnv = Object.fromEntries(
  platform('kafka').KAFKA_PRINCIPALS.map((principal) => {
    const name = platform('kafka').kafkaCredentialVariables(principal).password;
    return [name, process.env[name] ?? randomBytes(24).toString('hex')];
  }),
);

/** Environment for every spawned walletgraph process (and the limit peer). */
export const authEnv = { ...secrets, AUTH_ISSUER: process.env.AUTH_ISSUER ?? 'walletgraph-dev', AUTH_AUDIENCE: process.env.AUTH_AUDIENCE ?? 'walletgraph' };

/** Mutations per minute for the bench's one admin identity: effectively unlimited. */
export const benchRateLimitEnv = { GATEWAY_MUTATIONS_PER_MINUTE_MAX: '10000000' };

const identityRefreshMs = 30_000;
let bearer;
let identity;
let identityAtMs = 0;

/** Headers for any bench request: the gateway reads `authorization`, a subgraph the signed identity. */
export async function benchHeaders() {
  const p = platform();
  bearer ??= `Bearer ${await p.mintUserToken({ role: 'admin', subject: 'bench' }, { secret: secrets.AUTH_JWT_SECRET, issuer: authEnv.AUTH_ISSUER, audience: authEnv.AUTH_AUDIENCE, expiresIn: '12h' })}`;
  if (identity === undefined || Date.now() - identityAtMs > identityRefreshMs) {
    identity = await p.mintInternalIdentity({ role: 'admin', subject: 'bench' }, { secret: secrets.INTERNAL_AUTH_SECRET });
    identityAtMs = Date.now();
  }
  return { authorization: bearer, [p.INTERNAL_IDENTITY_HEADER]: identity };
}

/** `Bearer …` client tokens (role client, its own client id), one per account owner: [{ id, authorization }]. */
export async function clientAuthorizations(accountIds, owners) {
  const p = platform();
  return Promise.all(
    accountIds.map(async (id) => {
      const clientId = owners.get(id);
      const token = await p.mintUserToken(
        { role: 'client', subject: `bench-client-${clientId}`, clientId },
        { secret: secrets.AUTH_JWT_SECRET, issuer: authEnv.AUTH_ISSUER, audience: authEnv.AUTH_AUDIENCE, expiresIn: '12h' },
      );
      return { id, authorization: `Bearer ${token}` };
    }),
  );
}
