// Tokens for local use, signed like the gateway expects them: the same AUTH_* variables and the
// same development defaults as the processes (platform's auth door is the one implementation).
import { platform } from './databases.mjs';

/** The two seeded clients (prisma/seed) and their names, for `npm start`'s ready-to-paste tokens. */
export const seedClients = [
  { name: 'Lucas', clientId: 'c26425d8-d0f3-4a91-bb96-a1f8fddc3653' },
  { name: 'Samuca', clientId: 'c995e35d-1927-4cbb-b873-8e9dc946f062' },
];

/** Where user tokens come from; refuses production without a real AUTH_JWT_SECRET (or AUTH_JWT_SECRET_FILE). */
export function signingSettings(rawEnv = process.env) {
  const p = platform();
  const resolved = p.resolveEnvFiles(rawEnv, ['AUTH_JWT_SECRET', 'AUTH_ISSUER', 'AUTH_AUDIENCE']);
  if (resolved.problems.length > 0) throw new Error(resolved.problems.map((problem) => `${problem.variable}: ${problem.message}`).join('; '));
  const env = resolved.env;
  const production = env.NODE_ENV === 'production';
  const secret = env.AUTH_JWT_SECRET;
  if (secret === undefined || secret === '') {
    if (production)
      throw new Error(
        'NODE_ENV=production: set AUTH_JWT_SECRET (or AUTH_JWT_SECRET_FILE) to mint tokens (with AUTH_JWKS_URL, tokens come from your identity provider)',
      );
    if (env.AUTH_JWKS_URL) throw new Error('AUTH_JWKS_URL is set: the gateway accepts only tokens from that identity provider');
  } else if (production && (secret.length < p.SECRET_LENGTH_MIN || secret.startsWith('dev-only-') || p.isPublishedSecret(secret))) {
    throw new Error(
      `NODE_ENV=production: AUTH_JWT_SECRET must be a real secret of at least ${p.SECRET_LENGTH_MIN} characters, not one published in this repository`,
    );
  }
  return {
    secret: secret || p.DEV_AUTH_JWT_SECRET,
    issuer: env.AUTH_ISSUER || p.DEFAULT_AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE || p.DEFAULT_AUTH_AUDIENCE,
  };
}

/** { role: 'admin' } or { role: 'client', clientId }; expiresIn like "1h", "30m", or seconds. */
export async function mintToken(identity, { expiresIn = '1h', env = process.env } = {}) {
  const p = platform();
  const subject = identity.subject ?? (identity.role === 'admin' ? 'local-admin' : `local-client-${identity.clientId}`);
  return p.mintUserToken({ ...identity, subject }, { ...signingSettings(env), expiresIn });
}
