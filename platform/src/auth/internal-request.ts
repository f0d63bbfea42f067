import type { IncomingHttpHeaders } from 'node:http';
import { UnauthenticatedError } from '../core/index.js';
import { INTERNAL_IDENTITY_HEADER, type InternalIdentity } from './identity.js';
import { verifyInternalIdentity } from './tokens.js';

/** graphql-ws close code for a connection without the gateway's signed identity. */
export const WS_CLOSE_UNAUTHENTICATED = 4401;

const missing = (): UnauthenticatedError => new UnauthenticatedError(`missing ${INTERNAL_IDENTITY_HEADER}: call the subgraph through the gateway`);

/**
 * The caller of a subgraph over HTTP: the gateway's signed identity in `x-walletgraph-identity`.
 * Anything else (no header, a user token, a forged or expired one) is UnauthenticatedError.
 */
export async function internalIdentityFromHeaders(headers: IncomingHttpHeaders, secret: string): Promise<InternalIdentity> {
  const header = headers[INTERNAL_IDENTITY_HEADER];
  const token = Array.isArray(header) ? header[0] : header;
  if (token === undefined || token === '') throw missing();
  return verifyInternalIdentity(token, { secret });
}

/** graphql-ws: the same value in the connection_init payload, at the top level or under `headers`. */
export async function internalIdentityFromConnectionParams(params: Readonly<Record<string, unknown>> | undefined, secret: string): Promise<InternalIdentity> {
  const nested = params?.['headers'];
  const headers = typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>) : {};
  const token = params?.[INTERNAL_IDENTITY_HEADER] ?? headers[INTERNAL_IDENTITY_HEADER];
  if (typeof token !== 'string' || token === '') throw missing();
  return verifyInternalIdentity(token, { secret });
}
