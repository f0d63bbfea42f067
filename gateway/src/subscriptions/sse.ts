import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHandler } from 'graphql-sse';
import { UnauthenticatedError, type Logger } from '@walletgraph/platform';
import type { Authenticator, Credentials } from '../auth/authenticator.js';
import { endAtTokenExpiry } from '../auth/token-expiry.js';
import { readBody, sendJson, sendPayloadTooLarge } from '../http/body.js';
import { createGatewayContext } from '../http/request-context.js';
import { inexactNumberInSearch, parseRequestJson } from '../inputs/request-json.js';
import { isPreparedOperation, type Operations, type PreparedOperation } from './operations.js';
import type { SubscriptionPlanner } from './planner.js';

export interface SseDeps {
  readonly operations: Operations;
  readonly planner: SubscriptionPlanner;
  readonly logger: Logger;
  readonly authenticator: Authenticator;
}

/** An operation body keeps its numbers' texts (parseRequestJson); anything else is left to graphql-sse to refuse. */
function bodyKeepingNumberText(text: string): string | Record<string, unknown> {
  try {
    const parsed = parseRequestJson(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : text;
  } catch {
    return text;
  }
}

/** graphql-sse requests: a streaming POST, or the single-connection mode's PUT/GET/DELETE with a token. */
export function isSseRequest(request: IncomingMessage): boolean {
  const accept = request.headers.accept ?? '';
  if (accept.includes('text/event-stream')) return true;
  if (request.headers['x-graphql-event-stream-token'] !== undefined) return true;
  if (request.method === 'PUT' || request.method === 'DELETE') return true;
  return new URL(request.url ?? '/', 'http://gateway.local').searchParams.has('token');
}

/**
 * graphql-sse's protocol handler behind the gateway's bounded body reader (its `use/http`
 * adapter reads bodies without a size limit); everything else mirrors that adapter.
 */
export function createSseHandler(deps: SseDeps, config: { readonly bodyBytesMax: number }) {
  const credentialsByRequest = new WeakMap<IncomingMessage, Credentials>();
  const expiryByOperation = new WeakMap<PreparedOperation, number>();
  const handler = createHandler<IncomingMessage, { res: ServerResponse }, PreparedOperation>({
    schema: deps.planner.apiSchema,
    onSubscribe: (request, params) => {
      const credentials = credentialsByRequest.get(request.raw);
      if (credentials === undefined) throw new Error('invariant violated: SSE operation without an authenticated request');
      const context = createGatewayContext(request.raw.headers, deps.logger, credentials.identity);
      const prepared = deps.operations.prepare(params, context, 'sse');
      // Refused like graphql-sse refuses unparsable queries: HTTP 400 with the errors as JSON.
      if (!isPreparedOperation(prepared)) {
        const body = JSON.stringify({ errors: deps.operations.formatErrors(prepared) });
        return [body, { status: 400, statusText: 'Bad Request', headers: { 'content-type': 'application/json; charset=utf-8' } }] as const;
      }
      if (credentials.expiresAtMs !== undefined) expiryByOperation.set(prepared, credentials.expiresAtMs);
      return { schema: deps.planner.apiSchema, document: prepared.document, operationName: prepared.operationName, variableValues: prepared.variables, contextValue: prepared };
    },
    execute: (args) => deps.operations.run(args.contextValue),
    // A stream lives no longer than the token that opened it.
    subscribe: async (args) => {
      const result = await deps.operations.run(args.contextValue);
      const expiresAtMs = expiryByOperation.get(args.contextValue);
      return expiresAtMs === undefined || !(Symbol.asyncIterator in result) ? result : endAtTokenExpiry(result, expiresAtMs);
    },
    onNext: (_ctx, _request, result) => (result.errors === undefined ? result : { ...result, errors: deps.operations.formatErrors(result.errors) }),
  });

  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    // Every SSE request (stream reservation, operation, stream) carries the Authorization header.
    try {
      credentialsByRequest.set(request, await deps.authenticator.fromHeaders(request.headers));
    } catch (error: unknown) {
      if (!(error instanceof UnauthenticatedError)) throw error;
      request.resume();
      return sendJson(response, 401, { errors: [{ message: error.message, extensions: { code: 'UNAUTHENTICATED' } }] }, { 'www-authenticate': 'Bearer realm="walletgraph"' });
    }
    let body: string | Record<string, unknown> | null = null;
    if (request.method === 'POST' || request.method === 'PUT') {
      const read = await readBody(request, config.bodyBytesMax);
      if (!read.ok) return sendPayloadTooLarge(response, config.bodyBytesMax);
      body = bodyKeepingNumberText(read.text);
    }
    const inexact = request.method === 'GET' ? inexactNumberInSearch(request.url) : undefined;
    if (inexact !== undefined) return sendJson(response, 400, { errors: [{ message: inexact, extensions: { code: 'BAD_USER_INPUT' } }] });
    const [stream, init] = await handler({
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      headers: { get: (key) => { const value = request.headers[key]; return Array.isArray(value) ? value.join('\n') : value; } },
      body,
      raw: request,
      context: { res: response },
    });
    response.writeHead(init.status, init.statusText, init.headers);
    if (stream === null || typeof stream === 'string') {
      response.end(stream ?? undefined);
      return;
    }
    response.once('close', () => void stream.return(undefined));
    for await (const chunk of stream) {
      if (!response.writable) break;
      const closed = await new Promise<boolean>((resolve) => {
        response.write(chunk, (error) => resolve(error !== undefined && error !== null));
      });
      if (closed) break;
    }
    response.end();
  };
}
