import type { IncomingHttpHeaders } from 'node:http';
import { UnauthenticatedError } from '@walletgraph/platform/core';
import { INTERNAL_IDENTITY_HEADER, verifyInternalIdentity, type InternalIdentity } from '@walletgraph/platform/auth';

/** graphql-ws close code for a connection without the gateway's signed identity. */
export const WS_CLOSE_UNAUTHENTICATED = 4401;

const missing = (): UnauthenticatedError => new UnauthenticatedError(`missing ${INTERNAL_IDENTITY_HEADER}: call the subgraph through the gateway`);

/** HTTP: the `x-walletgraph-identity` header. */
export async function identityFromHeaders(headers: IncomingHttpHeaders, secret: string): Promise<InternalIdentity> {
  const header = headers[INTERNAL_IDENTITY_HEADER];
  const token = Array.isArray(header) ? header[0] : header;
  if (token === undefined || token === '') throw missing();
  return verifyInternalIdentity(token, { secret });
}

/** graphql-ws: the same value in the connection_init payload, at the top level or under `headers`. */
export async function identityFromConnectionParams(params: Readonly<Record<string, unknown>> | undefined, secret: string): Promise<InternalIdentity> {
  const nested = params?.['headers'];
  const headers = typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>) : {};
  const token = params?.[INTERNAL_IDENTITY_HEADER] ?? headers[INTERNAL_IDENTITY_HEADER];
  if (typeof token !== 'string' || token === '') throw missing();
  return verifyInternalIdentity(token, { secret });
}
