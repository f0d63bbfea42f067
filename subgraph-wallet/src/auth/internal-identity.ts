import type { IncomingMessage } from 'node:http';
import { UnauthenticatedError } from '@walletgraph/platform/core';
import { INTERNAL_IDENTITY_HEADER, verifyInternalIdentity, type InternalIdentity } from '@walletgraph/platform/auth';

/**
 * The gateway's signed identity from `x-walletgraph-identity`; anything else (no header, a user
 * token, a forged or expired one) is UnauthenticatedError, answered 401 before Apollo runs.
 */
export async function identityFromRequest(req: IncomingMessage, secret: string): Promise<InternalIdentity> {
  const header = req.headers[INTERNAL_IDENTITY_HEADER];
  const token = Array.isArray(header) ? header[0] : header;
  if (token === undefined || token === '') throw new UnauthenticatedError(`missing ${INTERNAL_IDENTITY_HEADER}: call the subgraph through the gateway`);
  return verifyInternalIdentity(token, { secret });
}
