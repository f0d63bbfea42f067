// The gateway requires a JWT. The chaos processes run on the built-in development secrets (no
// AUTH_* variables), so the suite mints an admin token with them: the load exercises money and
// events, not ownership rules (the gateway's own suites cover those).
import { DEV_AUTH_JWT_SECRET } from '@walletgraph/platform/core';
import { DEFAULT_AUTH_AUDIENCE, DEFAULT_AUTH_ISSUER, mintUserToken } from '@walletgraph/platform/auth';

let token: Promise<string> | undefined;

/** One admin JWT per suite run, valid long enough for a soak. */
export function adminToken(): Promise<string> {
  token ??= mintUserToken(
    { role: 'admin', subject: 'chaos-suite' },
    { secret: DEV_AUTH_JWT_SECRET, issuer: DEFAULT_AUTH_ISSUER, audience: DEFAULT_AUTH_AUDIENCE, expiresIn: '12h' },
  );
  return token;
}

/** `Bearer …` of the same token, for the raw WebSocket watcher. */
export async function adminAuthorization(): Promise<string> {
  return `Bearer ${await adminToken()}`;
}
