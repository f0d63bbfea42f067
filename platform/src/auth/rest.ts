import { UnauthenticatedError } from '../core/index.js';
import type { Identity } from './identity.js';
import { bearerToken, type UserTokenVerifier } from './tokens.js';

/** WALLETGRAPH_DEV_MODE=true keeps the old REST routes as open as they always were (local use only). */
export const DEV_MODE_IDENTITY: Identity = { role: 'admin', subject: 'dev-mode' };

/**
 * The caller of an old REST route: anyone in dev mode, otherwise the holder of a user bearer JWT
 * verified with the same AUTH_* settings as the gateway. Throws UnauthenticatedError.
 */
export async function restRequestIdentity(authorization: string | undefined, verify: UserTokenVerifier, devMode: boolean): Promise<Identity> {
  if (devMode) return DEV_MODE_IDENTITY;
  const token = bearerToken(authorization);
  if (token === undefined) throw new UnauthenticatedError('authentication required: send Authorization: Bearer <token>');
  return verify(token);
}
