import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  AppError,
  BadUserInputError,
  decimalToJsonNumber,
  httpStatusByCode,
  isConnectionError,
  JsonNumber,
  parseJsonLossless,
  type Logger,
} from '@walletgraph/platform/core';
import { errorBody, headerOf, readBody, requestIdFrom, sendJson } from '@walletgraph/platform/http';
import { restRequestIdentity, type Identity, type UserTokenVerifier } from '@walletgraph/platform/auth';
import { assertMayCreateAccount, assertMayCreateClient, assertMayTransferFrom } from '../auth/policy.js';
import { createLoaders } from '../resolvers/loaders.js';
import type { WalletQueries } from '../use-cases/queries.js';
import { moneyText } from '../domain/money.js';
import type { RequestMeta, WalletUseCases } from '../use-cases/wallet.js';

export interface RestServerDeps {
  readonly logger: Logger;
  readonly useCases: WalletUseCases;
  /** Read-only look-ups for the authorization checks. */
  readonly queries: WalletQueries;
  readonly verifyUserToken: UserTokenVerifier;
}

export interface RestServerConfig {
  readonly httpBodyBytesMax: number;
  /** WALLETGRAPH_DEV_MODE: the routes are open (as before); otherwise a user bearer JWT is required. */
  readonly devMode: boolean;
}

type Body = Record<string, unknown>;
type Route = (body: Body, meta: RequestMeta, req: IncomingMessage, identity: Identity) => Promise<string>;

/** JSON numbers keep their exact text (the old clients send `"amount": 5`). */
function parseRequestBody(text: string): Body {
  let parsed: unknown;
  try {
    parsed = parseJsonLossless(text);
  } catch {
    throw new BadUserInputError('request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadUserInputError('request body must be a JSON object');
  return Object.fromEntries(Object.entries(parsed).map(([name, value]) => [name, value instanceof JsonNumber ? value.text : value]));
}

/** The old Walletcore routes over the same use cases as GraphQL; success bodies exactly as the Go service wrote them. */
function routes(useCases: WalletUseCases, queries: WalletQueries): Record<string, Route> {
  return {
    '/clients': async (body, _meta, _req, identity) => {
      assertMayCreateClient(identity);
      const client = await useCases.createClient({ name: body['name'], email: body['email'] });
      return JSON.stringify({
        ID: client.id,
        Name: client.name,
        Email: client.email,
        CreatedAt: client.createdAt.toISOString(),
        UpdatedAt: client.updatedAt.toISOString(),
      });
    },
    '/accounts': async (body, meta, _req, identity) => {
      assertMayCreateAccount(identity, body['client_id']);
      const account = await useCases.createAccount({ clientId: body['client_id'] }, meta);
      return JSON.stringify({ ID: account.id });
    },
    '/transactions': async (body, meta, req, identity) => {
      const loaders = createLoaders(queries);
      await assertMayTransferFrom(identity, body['account_id_from'], (id) => loaders.account.load(id));
      // The old API had no idempotency key: without the optional header every call is a new transfer.
      const idempotencyKey = headerOf(req.headers, 'idempotency-key') ?? randomUUID();
      const transaction = await useCases.transfer(
        { accountIdFrom: body['account_id_from'], accountIdTo: body['account_id_to'], amount: body['amount'], idempotencyKey },
        meta,
      );
      return (
        `{"id":${JSON.stringify(transaction.id)},"account_id_from":${JSON.stringify(transaction.accountIdFrom)},` +
        `"account_id_to":${JSON.stringify(transaction.accountIdTo)},"amount":${decimalToJsonNumber(moneyText(transaction.amount))}}`
      );
    },
  };
}

export interface RestServer {
  readonly server: Server;
}

export function createRestServer(deps: RestServerDeps, config: RestServerConfig): RestServer {
  const table = routes(deps.useCases, deps.queries);

  async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const route = table[path];
    if (route === undefined) return sendJson(res, 404, { code: 'NOT_FOUND', message: `no route ${path}` });
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: `${path} accepts POST only` });
    }
    const identity = await restRequestIdentity(headerOf(req.headers, 'authorization'), deps.verifyUserToken, config.devMode);
    const body = parseRequestBody(await readBody(req, config.httpBodyBytesMax));
    const traceparent = headerOf(req.headers, 'traceparent');
    sendJson(res, 201, await route(body, { traceparent }, req, identity));
  }

  const server = createServer((req, res) => {
    const startedAt = performance.now();
    const requestId = requestIdFrom(req.headers);
    const logger = deps.logger.child({ requestId });
    res.setHeader('x-request-id', requestId);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    handle(req, res, path)
      .catch((error: unknown) => {
        if (error instanceof AppError) {
          if (error.code === 'UNAUTHENTICATED') {
            req.resume();
            res.setHeader('www-authenticate', 'Bearer realm="walletgraph"');
          }
          return sendJson(res, httpStatusByCode[error.code], errorBody(error));
        }
        if (isConnectionError(error)) return sendJson(res, 503, { code: 'SERVICE_UNAVAILABLE', message: 'database is unavailable; try again shortly' });
        logger.error({ err: error }, 'request failed');
        sendJson(res, 500, { code: 'INTERNAL_SERVER_ERROR', message: 'internal server error' });
      })
      .finally(() => {
        logger.info({ method: req.method, path, status: res.statusCode, durationMs: Math.round(performance.now() - startedAt) }, 'rest request');
      });
  });
  return { server };
}
