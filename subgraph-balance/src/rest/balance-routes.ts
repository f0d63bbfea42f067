import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { decimalToJsonNumber, ErrorCode, httpStatusByCode, isAppError, type Logger } from '@walletgraph/platform/core';
import { listen, requestIdFrom, sendJson } from '@walletgraph/platform/http';
import { restRequestIdentity, type UserTokenVerifier } from '@walletgraph/platform/auth';
import type { OwnershipDirectory } from '../auth/ownership.js';
import { mayReadBalance } from '../auth/policy.js';
import type { BalanceRepository } from '../store/balance-repository.js';

const ROUTE = /^\/balances\/([^/]+)\/?$/;
const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export interface BalanceRestServer {
  start(): Promise<number>;
  stop(): Promise<void>;
}

function errorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ code, message });
}

/**
 * The old Ms-Balance route `GET /balances/{account_id}`: same success shape, the amount a JSON
 * number written exactly from the decimal; errors fixed to JSON with a status that fits.
 */
export function createBalanceRestServer(
  deps: {
    readonly repository: BalanceRepository;
    readonly logger: Logger;
    readonly ownership: OwnershipDirectory;
    readonly verifyUserToken: UserTokenVerifier;
  },
  /** devMode (WALLETGRAPH_DEV_MODE): open as before; otherwise a user bearer JWT and the GraphQL rules. */
  config: { readonly host: string; readonly port: number; readonly devMode: boolean },
): BalanceRestServer {
  const logger = deps.logger.child({ component: 'rest' });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = requestIdFrom(request.headers);
    response.setHeader('x-request-id', requestId);
    const url = new URL(request.url ?? '/', 'http://localhost');
    logger.debug({ requestId, method: request.method, path: url.pathname }, 'request');
    const match = ROUTE.exec(url.pathname);
    if (match === null) return sendJson(response, 404, errorBody(ErrorCode.NOT_FOUND, `no route ${url.pathname}`));
    if (request.method !== 'GET') {
      response.setHeader('allow', 'GET');
      return sendJson(response, 405, JSON.stringify({ code: 'METHOD_NOT_ALLOWED', message: 'only GET is supported' }));
    }
    const authorization = request.headers.authorization;
    const identity = await restRequestIdentity(authorization, deps.verifyUserToken, config.devMode);
    const accountId = match[1] ?? '';
    if (!UUID_PATTERN.test(accountId)) return sendJson(response, 400, errorBody(ErrorCode.BAD_USER_INPUT, 'account_id must be a UUID'));
    const ownerOf = async (id: string): Promise<string | null> => (await deps.ownership.ownersOf([id], requestId)).get(id) ?? null;
    // Someone else's account answers exactly like an unknown one.
    const visible = await mayReadBalance(identity, accountId.toLowerCase(), ownerOf);
    const [balance] = visible ? await deps.repository.findByAccountIds([accountId.toLowerCase()]) : [];
    if (balance === undefined) return sendJson(response, 404, errorBody(ErrorCode.NOT_FOUND, `no balance for account ${accountId}`));
    sendJson(
      response,
      200,
      `{"id":${JSON.stringify(balance.id)},"account_id":${JSON.stringify(balance.accountId)},"amount":${decimalToJsonNumber(balance.amount)}}`,
    );
  }

  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      const code = isAppError(error) ? error.code : ErrorCode.INTERNAL_SERVER_ERROR;
      if (code === ErrorCode.UNAUTHENTICATED && !response.headersSent) response.setHeader('www-authenticate', 'Bearer realm="walletgraph"');
      if (!isAppError(error)) logger.error({ err: error }, 'request failed');
      if (!response.headersSent) sendJson(response, httpStatusByCode[code], errorBody(code, isAppError(error) ? error.message : 'internal error'));
    });
  });

  return {
    async start() {
      const port = await listen(server, config.port, config.host);
      logger.info({ port }, 'Ms-Balance REST listening');
      return port;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
