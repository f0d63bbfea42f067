// Tokens for the end-to-end suites, signed with the built-in development secrets the test stack runs on.
import { DEV_AUTH_JWT_SECRET, DEV_INTERNAL_AUTH_SECRET } from '@walletgraph/platform/core';
import { DEFAULT_AUTH_AUDIENCE, DEFAULT_AUTH_ISSUER, mintInternalIdentity, mintUserToken, type Identity } from '@walletgraph/platform/auth';

export const devUserToken: { readonly secret: string; readonly issuer: string; readonly audience: string } = {
  secret: DEV_AUTH_JWT_SECRET,
  issuer: DEFAULT_AUTH_ISSUER,
  audience: DEFAULT_AUTH_AUDIENCE,
};

export function userToken(identity: Identity, expiresIn: number | string = '1h', overrides: Partial<typeof devUserToken> = {}): Promise<string> {
  return mintUserToken(identity, { ...devUserToken, ...overrides, expiresIn });
}

export const adminIdentity: Identity = { role: 'admin', subject: 'test-admin' };

let adminTokenPromise: Promise<string> | undefined;
/** One admin token per test file (valid for an hour). */
export function adminToken(): Promise<string> {
  adminTokenPromise ??= userToken(adminIdentity, '1h');
  return adminTokenPromise;
}

export async function adminAuthorization(): Promise<string> {
  return `Bearer ${await adminToken()}`;
}

export function clientToken(clientId: string, expiresIn: number | string = '1h'): Promise<string> {
  return userToken({ role: 'client', subject: `test-client-${clientId}`, clientId }, expiresIn);
}

/** A gateway-signed identity, as a subgraph expects it (for calling a subgraph directly). */
export function internalIdentity(identity: Identity = adminIdentity): Promise<string> {
  return mintInternalIdentity(identity, { secret: DEV_INTERNAL_AUTH_SECRET });
}
