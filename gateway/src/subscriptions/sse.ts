import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ExecutionResult, GraphQLError } from 'graphql';
import { createHandler, type RequestParams } from 'graphql-sse';
import { assert, UnauthenticatedError, type Logger } from '@walletgraph/platform/core';
import { describeIdentity } from '@walletgraph/platform/auth';
import type { Authenticator, Credentials } from '../auth/authenticator.js';
import { callerKeyOf } from '../auth/caller-key.js';
import { endAtTokenExpiry } from '../auth/token-expiry.js';
import { readBody, sendJson, sendPayloadTooLarge } from '../http/body.js';
import type { GatewayMetrics } from '../metrics/metrics.js';
import { createGatewayContext } from '../context/request-context.js';
import { inexactNumberInSearch, parseRequestJson } from '../inputs/request-json.js';
import { SubscriptionErrorCode } from './errors.js';
import { executionArgsOf, isPreparedOperation, type Operations, type PreparedOperation } from './operations.js';
import type { SubscriptionPlanner } from './planner.js';
import { createSlots, type Slots } from './slots.js';
import { createSseReservations, type SseReservations } from './sse-reservations.js';
import { deliveredVersion } from './resume.js';
import { createSseEventIds, lastEventIdOf } from './sse-event-ids.js';
import { asksForEventStreamOnly, EVENT_STREAM, sseRequestKindOf, streamTokenOf, type SseRequestKind } from './sse-routing.js';

export interface SseDeps {
  readonly operations: Operations;
  readonly planner: SubscriptionPlanner;
  readonly logger: Logger;
  readonly authenticator: Authenticator;
  readonly metrics: GatewayMetrics;
  /** The process-wide subscription slots (GATEWAY_SUBSCRIPTIONS_MAX), shared with the executor. */
  readonly slots: Slots;
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

export interface SseConfig {
  readonly bodyBytesMax: number;
  /** A single connection mode stream is one connection: SUBSCRIPTIONS_PER_CONNECTION_MAX. */
  readonly subscriptionsPerStreamMax: number;
  readonly reservationsPerCallerMax: number;
  readonly reservationTtlMs: number;
}

type ProtocolHandler = ReturnType<typeof createHandler<IncomingMessage, { res: ServerResponse }, PreparedOperation>>;
type Subscription = AsyncIterableIterator<ExecutionResult>;

/** One single connection mode reservation: its own protocol handler (so dropping it frees everything). */
interface SingleStream {
  readonly token: string;
  readonly handler: ProtocolHandler;
  readonly slots: Slots;
  /** Running subscriptions, ended with the reservation even when its stream never opened. */
  readonly subscriptions: Set<Subscription>;
}

/** Keeps `set` to the subscriptions still running; generator-shaped, as graphql-sse requires to end it. */
function tracked(subscription: Subscription, set: Set<Subscription>): Subscription {
  const iterator: Subscription = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      const step = await subscription.next();
      if (step.done === true) set.delete(iterator);
      return step;
    },
    async return() {
      set.delete(iterator);
      return (await subscription.return?.()) ?? { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      set.delete(iterator);
      await subscription.return?.();
      throw error;
    },
  };
  set.add(iterator);
  return iterator;
}

/** The HTTP status a refusal asks for (`extensions.http.status`, Apollo's convention), if any. */
function httpStatusOf(error: GraphQLError | undefined): number | undefined {
  const http = error?.extensions['http'];
  const status = typeof http === 'object' && http !== null ? (http as { status?: unknown }).status : undefined;
  return typeof status === 'number' && status >= 400 && status <= 499 ? status : undefined;
}

function sendError(
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, { errors: [{ message, extensions: { code, ...extensions } }] }, headers);
}

/** What the protocol handler's hooks learn about a request and its operation, set by `handle` and `onSubscribe`. */
type SseEventIds = ReturnType<typeof createSseEventIds>;

interface SseRequestState {
  readonly credentialsByRequest: WeakMap<IncomingMessage, Credentials>;
  readonly streamByRequest: WeakMap<IncomingMessage, SingleStream>;
  readonly streamByOperation: WeakMap<PreparedOperation, SingleStream>;
  readonly expiryByOperation: WeakMap<PreparedOperation, number>;
}

const JSON_CONTENT_TYPE = { 'content-type': 'application/json; charset=utf-8' };

/**
 * graphql-sse's onSubscribe: the operation prepared for the authenticated caller, or its refusal as
 * graphql-sse's response tuple.
 */
function subscribeOperation(deps: SseDeps, state: SseRequestState, raw: IncomingMessage, params: RequestParams) {
  const credentials = state.credentialsByRequest.get(raw);
  assert(credentials !== undefined, 'SSE operation without an authenticated request');
  const context = createGatewayContext(raw.headers, deps.logger, credentials.identity);
  const stream = state.streamByRequest.get(raw);
  const operation = deps.operations.prepare(params, context, 'sse', stream?.slots);
  // A distinct connection stream's events carry their version as `id`; a reconnecting EventSource resumes after Last-Event-ID.
  const lastEventId = stream === undefined ? lastEventIdOf(raw) : undefined;
  if (lastEventId === 'invalid') {
    const body = JSON.stringify({
      errors: [{ message: 'Last-Event-ID must be a version (an integer from 0 to 2147483647)', extensions: { code: 'BAD_USER_INPUT' } }],
    });
    return [body, { status: 400, statusText: 'Bad Request', headers: JSON_CONTENT_TYPE }] as const;
  }
  const prepared = isPreparedOperation(operation) && lastEventId !== undefined ? { ...operation, resumeAfterVersion: lastEventId } : operation;
  // Refused like graphql-sse refuses unparsable queries: the errors as JSON, with the HTTP
  // status the refusal carries (403/404 for trusted documents, as over HTTP), else 400.
  if (!isPreparedOperation(prepared)) {
    const status = httpStatusOf(prepared[0]) ?? 400;
    const body = JSON.stringify({ errors: deps.operations.formatErrors(prepared) });
    return [body, { status, statusText: STATUS_CODES[status] ?? 'Bad Request', headers: JSON_CONTENT_TYPE }] as const;
  }
  if (credentials.expiresAtMs !== undefined) state.expiryByOperation.set(prepared, credentials.expiresAtMs);
  if (stream !== undefined) state.streamByOperation.set(prepared, stream);
  return executionArgsOf(prepared, deps.planner.apiSchema);
}

/**
 * One graphql-sse protocol handler: `token` null serves distinct connections, a token one single
 * connection reservation.
 */
function createProtocolHandler(deps: SseDeps, state: SseRequestState, eventIds: SseEventIds, token: string | null): ProtocolHandler {
  return createHandler<IncomingMessage, { res: ServerResponse }, PreparedOperation>({
    schema: deps.planner.apiSchema,
    // The gateway owns tokens (unguessable, bound to a caller); null: distinct connections only.
    authenticate: () => token,
    onSubscribe: (request, params) => subscribeOperation(deps, state, request.raw, params),
    execute: (args) => deps.operations.run(args.contextValue),
    subscribe: async (args) => {
      const result = await deps.operations.run(args.contextValue);
      if (!(Symbol.asyncIterator in result)) return result;
      // A subscription lives no longer than the token that started it.
      const expiresAtMs = state.expiryByOperation.get(args.contextValue);
      const limited = expiresAtMs === undefined ? result : endAtTokenExpiry(result, expiresAtMs);
      const stream = state.streamByOperation.get(args.contextValue);
      return stream === undefined ? limited : tracked(limited, stream.subscriptions);
    },
    onNext: (_ctx, request, result) => {
      if (token === null) eventIds.record(request.raw, deliveredVersion.get(result));
      return result.errors === undefined ? result : { ...result, errors: deps.operations.formatErrors(result.errors) };
    },
  });
}

/** Writes the event stream to the response, one chunk after the other; ends when either side does. */
async function pipe(stream: AsyncIterableIterator<string>, response: ServerResponse, label: (chunk: string) => string = (chunk) => chunk): Promise<void> {
  response.once('close', () => void stream.return?.(undefined));
  for await (const text of stream) {
    const chunk = label(text);
    if (!response.writable) break;
    const closed = await new Promise<boolean>((resolve) => {
      response.write(chunk, (error) => resolve(error !== undefined && error !== null));
    });
    if (closed) break;
  }
  response.end();
}

/** The caller's credentials, or undefined once a 401 was sent. */
async function authenticate(authenticator: Authenticator, request: IncomingMessage, response: ServerResponse): Promise<Credentials | undefined> {
  try {
    return await authenticator.fromHeaders(request.headers);
  } catch (error: unknown) {
    if (!(error instanceof UnauthenticatedError)) throw error;
    request.resume();
    sendError(response, 401, 'UNAUTHENTICATED', error.message, {}, { 'www-authenticate': 'Bearer realm="walletgraph"' });
    return undefined;
  }
}

type SseBody = string | Record<string, unknown> | null;

/** The request's body for graphql-sse (a POST's, bounded), or undefined once a refusal was sent. */
async function readSseBody(request: IncomingMessage, response: ServerResponse, bodyBytesMax: number): Promise<{ body: SseBody } | undefined> {
  let body: SseBody = null;
  if (request.method === 'POST') {
    const read = await readBody(request, bodyBytesMax);
    if (!read.ok) {
      sendPayloadTooLarge(response, bodyBytesMax);
      return undefined;
    }
    body = bodyKeepingNumberText(read.text);
  } else {
    request.resume();
  }
  const inexact = request.method === 'GET' ? inexactNumberInSearch(request.url) : undefined;
  if (inexact !== undefined) {
    sendError(response, 400, 'BAD_USER_INPUT', inexact);
    return undefined;
  }
  return { body };
}

/** The request as graphql-sse reads it. */
function protocolRequest(request: IncomingMessage, response: ServerResponse, body: SseBody): Parameters<ProtocolHandler>[0] {
  const accept = request.headers.accept;
  return {
    method: request.method ?? 'GET',
    url: request.url ?? '/',
    headers: {
      get: (key) => {
        // graphql-sse compares Accept with `text/event-stream` exactly; the router already decided.
        if (key === 'accept' && asksForEventStreamOnly(accept)) return EVENT_STREAM;
        const value = request.headers[key];
        return Array.isArray(value) ? value.join('\n') : value;
      },
    },
    body,
    raw: request,
    context: { res: response },
  };
}

function refuseReservation(
  deps: SseDeps,
  config: SseConfig,
  response: ServerResponse,
  reason: 'caller-limit' | 'process-limit',
  credentials: Credentials,
): void {
  const retryAfter = { 'retry-after': String(Math.max(1, Math.ceil(config.reservationTtlMs / 1000))) };
  const identity = describeIdentity(credentials.identity);
  if (reason === 'caller-limit') {
    deps.metrics.limitRejectionCount.inc({ limit: SubscriptionErrorCode.SSE_RESERVATION_LIMIT_EXCEEDED });
    deps.logger.warn({ identity, reservationsPerCallerMax: config.reservationsPerCallerMax }, 'SSE stream reservation refused: caller limit');
    const message = `a caller may hold at most ${config.reservationsPerCallerMax} SSE streams (open or reserved) at once (GATEWAY_SSE_RESERVATIONS_PER_CALLER_MAX); a reservation not opened within ${config.reservationTtlMs} ms expires`;
    return sendError(response, 429, SubscriptionErrorCode.SSE_RESERVATION_LIMIT_EXCEEDED, message, { max: config.reservationsPerCallerMax }, retryAfter);
  }
  deps.metrics.limitRejectionCount.inc({ limit: SubscriptionErrorCode.SUBSCRIPTION_LIMIT_EXCEEDED });
  deps.logger.warn({ identity, subscriptionsMax: deps.slots.max }, 'SSE stream reservation refused: process subscription limit');
  const message = `the gateway already serves ${deps.slots.max} subscriptions and SSE streams (GATEWAY_SUBSCRIPTIONS_MAX)`;
  return sendError(response, 503, SubscriptionErrorCode.SUBSCRIPTION_LIMIT_EXCEEDED, message, { max: deps.slots.max }, retryAfter);
}

function newRequestState(): SseRequestState {
  return { credentialsByRequest: new WeakMap(), streamByRequest: new WeakMap(), streamByOperation: new WeakMap(), expiryByOperation: new WeakMap() };
}

/** The single connection reservations; dropping one ends its subscriptions, even those of a stream never opened. */
function streamReservations(deps: SseDeps, config: SseConfig): SseReservations<SingleStream> {
  return createSseReservations<SingleStream>(
    {
      slots: deps.slots,
      onRelease: (stream, reason) => {
        for (const subscription of [...stream.subscriptions]) void subscription.return?.();
        if (reason === 'expired') deps.logger.debug('SSE stream reservation expired unused');
      },
      onCountChange: (count) => deps.metrics.sseReservations.set(count),
    },
    config,
  );
}

/**
 * graphql-sse's protocol handler behind the gateway's authentication and bounded body reader.
 * Distinct connections share one handler; each single connection reservation gets its own, bound
 * to the caller that made it (see sse-reservations.ts).
 */
export function createSseHandler(deps: SseDeps, config: SseConfig) {
  const state = newRequestState();
  const eventIds = createSseEventIds();
  const distinctHandler = createProtocolHandler(deps, state, eventIds, null);
  const reservations = streamReservations(deps, config);

  /**
   * The single connection stream a reservation or stream request is for; undefined for distinct
   * connections; 'refused' once a refusal was sent.
   */
  function singleStreamOf(
    kind: SseRequestKind,
    request: IncomingMessage,
    response: ServerResponse,
    credentials: Credentials,
  ): SingleStream | undefined | 'refused' {
    const callerKey = callerKeyOf(credentials.identity);
    if (kind === 'reserve') {
      const outcome = reservations.reserve(callerKey, (token) => ({
        token,
        handler: createProtocolHandler(deps, state, eventIds, token),
        slots: createSlots(config.subscriptionsPerStreamMax),
        subscriptions: new Set(),
      }));
      if (outcome.ok) return outcome.value;
      refuseReservation(deps, config, response, outcome.reason, credentials);
      return 'refused';
    }
    if (kind !== 'single') return undefined;
    const stream = reservations.find(streamTokenOf(request) ?? '', callerKey);
    if (stream !== undefined) return stream;
    // An unknown token and another caller's token get the same answer (graphql-sse's own words).
    sendError(response, 404, SubscriptionErrorCode.SSE_STREAM_NOT_FOUND, 'Stream not found');
    return 'refused';
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const kind = sseRequestKindOf(request) ?? 'distinct';
    // Every SSE request (reservation, stream, operation, DELETE) carries the Authorization header.
    const credentials = await authenticate(deps.authenticator, request, response);
    if (credentials === undefined) return;
    state.credentialsByRequest.set(request, credentials);
    const read = await readSseBody(request, response, config.bodyBytesMax);
    if (read === undefined) return;

    const stream = singleStreamOf(kind, request, response, credentials);
    if (stream === 'refused') return;
    if (stream !== undefined) state.streamByRequest.set(request, stream);

    const [result, init] = await (stream?.handler ?? distinctHandler)(protocolRequest(request, response, read.body));
    if (kind === 'reserve' && stream !== undefined && init.status !== 201) reservations.release(stream.token);
    response.writeHead(init.status, init.statusText, init.headers);
    if (result === null || typeof result === 'string') {
      response.end(result ?? undefined);
      return;
    }
    if (stream === undefined) return pipe(result, response, (chunk) => eventIds.label(request, chunk));
    reservations.opened(stream.token);
    try {
      await pipe(result, response);
    } finally {
      reservations.release(stream.token);
    }
  }

  return {
    /** Whether a /graphql request is graphql-sse's (the router's question; see sse-routing.ts). */
    accepts: (request: IncomingMessage): boolean => sseRequestKindOf(request) !== undefined,
    handle,
    reservationCount: (): number => reservations.size(),
    /** At shutdown: drops every reservation and ends the subscriptions of streams never opened. */
    close: (): void => reservations.close(),
  };
}

export type SseHandler = ReturnType<typeof createSseHandler>;
