import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import { UnauthenticatedError, type Logger } from '@walletgraph/platform/core';
import { unauthenticatedError, type Authenticator, type Credentials } from '../auth/authenticator.js';
import { untrustedDocumentBeforeParsing } from '../trusted-documents/http-precheck.js';
import type { TrustedDocumentPolicy } from '../trusted-documents/policy.js';
import type { GatewayLimits } from '../config.js';
import { readBody, sendJson, sendPayloadTooLarge } from './body.js';
import { inexactNumberInSearch, parseRequestJson } from '../inputs/request-json.js';
import { LimitCode } from '../limits/limit-errors.js';
import type { GatewayMetrics } from '../metrics/metrics.js';
import { createGatewayContext, requestIdFrom, traceBindingsOf, type GatewayContext } from '../context/request-context.js';
import type { Context } from '@walletgraph/platform/tracing';

export interface GraphqlHttpDeps {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly authenticator: Authenticator;
  readonly trustedDocuments: TrustedDocumentPolicy;
}

function headerMapOf(request: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

function isJson(request: IncomingMessage): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().includes('json');
}

type Sent = { readonly sent: true };
const SENT: Sent = { sent: true };

/** A POST's body (bounded, JSON with its numbers' texts kept, batches bounded), or SENT once it was refused. */
async function readGraphqlBody(
  deps: GraphqlHttpDeps,
  limits: GatewayLimits,
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
): Promise<{ readonly body: unknown } | Sent> {
  const idHeader = { 'x-request-id': requestId };
  if (request.method !== 'POST') return { body: undefined };
  const read = await readBody(request, limits.bodyBytesMax);
  if (!read.ok) {
    deps.metrics.limitRejectionCount.inc({ limit: LimitCode.PAYLOAD_TOO_LARGE });
    deps.logger.warn({ requestId, receivedBytes: read.receivedBytes, bodyBytesMax: limits.bodyBytesMax }, 'request body too large');
    sendPayloadTooLarge(response, limits.bodyBytesMax, idHeader);
    return SENT;
  }
  let body: unknown = read.text;
  if (isJson(request)) {
    try {
      body = parseRequestJson(read.text);
    } catch {
      sendJson(response, 400, { errors: [{ message: 'request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] }, idHeader);
      return SENT;
    }
  }
  if (Array.isArray(body) && body.length > limits.batchSizeMax) {
    deps.metrics.limitRejectionCount.inc({ limit: LimitCode.BATCH_LIMIT_EXCEEDED });
    const message = `a batch may hold at most ${limits.batchSizeMax} operations; this one holds ${body.length}`;
    sendJson(
      response,
      400,
      { errors: [{ message, extensions: { code: LimitCode.BATCH_LIMIT_EXCEEDED, actual: body.length, max: limits.batchSizeMax } }] },
      idHeader,
    );
    return SENT;
  }
  return { body };
}

/** The caller's credentials, or the refusal to report later (Apollo's context step turns it into a 401). */
async function authenticateOnce(authenticator: Authenticator, request: IncomingMessage): Promise<Credentials | UnauthenticatedError> {
  try {
    return await authenticator.fromHeaders(request.headers);
  } catch (error: unknown) {
    if (!(error instanceof UnauthenticatedError)) throw error;
    return error;
  }
}

/** Refuses (and says true for) a document the caller may not send, before Apollo parses anything. */
function refusedAsUntrusted(
  deps: GraphqlHttpDeps,
  credentials: Credentials,
  operation: { body: unknown } | { search: URLSearchParams },
  response: ServerResponse,
  requestId: string,
): boolean {
  const untrusted = untrustedDocumentBeforeParsing(deps.trustedDocuments, credentials.identity, operation);
  if (untrusted === undefined) return false;
  const code = String(untrusted.extensions['code']);
  deps.metrics.limitRejectionCount.inc({ limit: code });
  deps.logger.warn({ requestId, code, documentId: untrusted.extensions['documentId'] }, 'document refused: not a trusted document');
  const { http, ...extensions } = untrusted.extensions;
  const status = (http as { status?: number } | undefined)?.status ?? 403;
  sendJson(response, status, { errors: [{ message: untrusted.message, extensions }] }, { 'x-request-id': requestId });
  return true;
}

async function sendApolloResult(response: ServerResponse, result: HTTPGraphQLResponse, idHeader: Record<string, string>): Promise<void> {
  const headers: Record<string, string> = { ...idHeader };
  for (const [name, value] of result.headers) headers[name] = value;
  response.writeHead(result.status ?? 200, headers);
  if (result.body.kind === 'complete') {
    response.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) response.write(chunk);
  response.end();
}

/** Body-size and batch-size limits, then Apollo Server (CSRF prevention, APQ, validation, execution). */
export function createGraphqlHttpHandler(deps: GraphqlHttpDeps, limits: GatewayLimits) {
  return async (request: IncomingMessage, response: ServerResponse, traceContext?: Context): Promise<void> => {
    // A sampled request's own refusals (body, trusted document, token) carry its trace ids: with
    // the explicit tracing context no span is active here for the logger's mixin to find.
    const requestDeps = traceContext === undefined ? deps : { ...deps, logger: deps.logger.child(traceBindingsOf(traceContext)) };
    const requestId = requestIdFrom(request.headers);
    const idHeader = { 'x-request-id': requestId };
    const read = await readGraphqlBody(requestDeps, limits, request, response, requestId);
    if ('sent' in read) return;
    const { body } = read;
    const inexact = request.method === 'GET' ? inexactNumberInSearch(request.url) : undefined;
    if (inexact !== undefined) return sendJson(response, 400, { errors: [{ message: inexact, extensions: { code: 'BAD_USER_INPUT' } }] }, idHeader);
    const url = new URL(request.url ?? '/', 'http://gateway.local');
    // Authenticated once, here: trusted documents are checked before Apollo parses anything, and
    // Apollo's context step reuses the outcome (a refusal is its 401).
    const authenticated = await authenticateOnce(requestDeps.authenticator, request);
    if (!(authenticated instanceof UnauthenticatedError)) {
      const operation = request.method === 'POST' ? { body } : { search: url.searchParams };
      if (refusedAsUntrusted(requestDeps, authenticated, operation, response, requestId)) return;
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: (request.method ?? 'GET').toUpperCase(),
      headers: headerMapOf(request),
      search: url.search,
      body,
    };
    // Authentication is Apollo's context step: a refusal is a GraphQL error UNAUTHENTICATED with HTTP 401.
    const context = (): Promise<GatewayContext> =>
      new Promise((resolve) => {
        if (!(authenticated instanceof UnauthenticatedError))
          return resolve(createGatewayContext(request.headers, deps.logger, authenticated.identity, requestId, traceContext));
        requestDeps.logger.info({ requestId, reason: authenticated.message }, 'request refused: not authenticated');
        throw unauthenticatedError(authenticated);
      });
    const result = await requestDeps.apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context });
    await sendApolloResult(response, result, idHeader);
  };
}
