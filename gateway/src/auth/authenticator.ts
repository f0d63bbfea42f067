import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError } from 'graphql';
import { bearerToken, createUserTokenVerifier, UnauthenticatedError, type Identity, type UserTokenConfig } from '@walletgraph/platform';

/** graphql-ws close code for a connection_init without valid credentials (graphql-ws's own "Unauthorized"). */
export const WS_CLOSE_UNAUTHENTICATED = 4401;

export interface Authenticator {
  /** `Authorization: Bearer <jwt>`; throws UnauthenticatedError. */
  fromHeaders(headers: IncomingHttpHeaders): Promise<Identity>;
  /**
   * graphql-ws connection_init payload: `{ authorization: 'Bearer …' }`, `{ token }` or
   * `{ headers: { authorization } }` (any case); else the upgrade request's header.
   */
  fromConnectionParams(params: Readonly<Record<string, unknown>> | undefined, upgradeHeaders: IncomingHttpHeaders): Promise<Identity>;
}

function stringField(source: Readonly<Record<string, unknown>> | undefined, name: string): string | undefined {
  if (source === undefined) return undefined;
  for (const [key, value] of Object.entries(source)) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function createAuthenticator(config: UserTokenConfig): Authenticator {
  const verify = createUserTokenVerifier(config);
  const fromAuthorization = async (authorization: string | undefined): Promise<Identity> => {
    if (authorization === undefined || authorization.trim() === '') throw new UnauthenticatedError('authentication required: send Authorization: Bearer <token>');
    const token = bearerToken(authorization);
    if (token === undefined) throw new UnauthenticatedError('the Authorization header must use the Bearer scheme');
    return verify(token);
  };
  return {
    fromHeaders: (headers) => fromAuthorization(headerOf(headers, 'authorization')),
    fromConnectionParams: async (params, upgradeHeaders) => {
      const nested = params?.['headers'];
      const nestedHeaders = typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>) : undefined;
      const token = stringField(params, 'token');
      if (token !== undefined) return verify(token);
      const authorization = stringField(params, 'authorization') ?? stringField(nestedHeaders, 'authorization') ?? headerOf(upgradeHeaders, 'authorization');
      return fromAuthorization(authorization);
    },
  };
}

/** Apollo's convention: code UNAUTHENTICATED, HTTP 401 with a Bearer challenge. */
export function unauthenticatedError(error: UnauthenticatedError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: new Map([['www-authenticate', 'Bearer realm="walletgraph"']]) } },
  });
}
