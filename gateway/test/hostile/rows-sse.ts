// Server-Sent Events (issue 14, items 1-3): a client that accepts JSON as well (urql's default) gets
// plain GraphQL over HTTP, not an SSE handler; a single connection stream's token is worth nothing
// to another caller (GET, POST and DELETE, as header or `?token=`: the same answer as an unknown
// token, and the owner's stream is still there afterwards); reservations are bounded per caller
// and expire unopened.
import { randomUUID } from 'node:crypto';
import { Client as UrqlClient, fetchExchange, gql } from '@urql/core';
import type { Caller, Fixture, Outcome, Row } from './harness';
import { authorizationOf, outcomeOfBody } from './harness';

/** The hostile stack's GATEWAY_SSE_RESERVATION_TTL_MS (hostile.test.ts sets it). */
export const SSE_RESERVATION_TTL_MS = 3_000;
/** The gateway's default GATEWAY_SSE_RESERVATIONS_PER_CALLER_MAX. */
const RESERVATIONS_PER_CALLER_MAX = 10;
const EVENT_STREAM = 'text/event-stream';

async function outcomeOfResponse(response: Response): Promise<Outcome> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { errors: [{ message: text.slice(0, 200), extensions: { code: `not JSON (${response.headers.get('content-type') ?? 'no content-type'})` } }] };
  }
  return outcomeOfBody(body as never, { status: response.status });
}

/**
 * urql with its default exchange and fetch options (only the bearer token added), its requests
 * and the gateway's raw answers recorded: the outcome is what came back on the wire. An urql that
 * no longer asks for `text/event-stream` would make this row prove nothing, so that is an outcome too.
 */
async function urqlDefaults(f: Fixture, kind: 'query' | 'mutation', preferGetMethod: boolean): Promise<Outcome> {
  let outcome: Outcome = { code: 'urql sent nothing' };
  const recordingFetch: typeof fetch = async (input, init) => {
    const accept = new Headers(init?.headers).get('accept') ?? '';
    const response = await fetch(input, init);
    outcome = accept.includes(EVENT_STREAM) ? await outcomeOfResponse(response.clone()) : { code: `urql's Accept has no ${EVENT_STREAM}: ${accept}` };
    return response;
  };
  const client = new UrqlClient({
    url: f.stack.url,
    exchanges: [fetchExchange],
    fetch: recordingFetch,
    preferGetMethod,
    fetchOptions: { headers: authorizationOf(f, 'owner') },
  });
  if (kind === 'query')
    await client
      .query(
        gql`
          query Own($id: ID!) {
            account(id: $id) {
              id
              balance {
                amount
              }
            }
          }
        `,
        { id: f.owner.from },
      )
      .toPromise();
  else
    await client
      .mutation(
        gql`
          mutation Move($input: CreateTransactionInput!) {
            createTransaction(input: $input) {
              id
            }
          }
        `,
        { input: { accountIdFrom: f.owner.from, accountIdTo: f.owner.to, amount: '0.01', idempotencyKey: randomUUID() } },
      )
      .toPromise();
  return outcome;
}

async function postWithAccept(f: Fixture, accept: string): Promise<Outcome> {
  const response = await fetch(f.stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, ...authorizationOf(f, 'owner') },
    body: JSON.stringify({ query: 'query($id: ID!) { account(id: $id) { id } }', variables: { id: f.owner.from } }),
  });
  return outcomeOfResponse(response);
}

async function reserve(f: Fixture, authorization: Record<string, string>): Promise<{ status: number; token: string }> {
  const response = await fetch(f.stack.url, { method: 'PUT', headers: authorization });
  const body = await response.text();
  return { status: response.status, token: response.status === 201 ? body : '' };
}

type StreamRequest = 'GET ?token=' | 'GET header' | 'POST header' | 'POST ?token=' | 'DELETE ?token=';

/** One single connection mode request naming stream `token`, as `caller`. */
function streamRequest(f: Fixture, request: StreamRequest, token: string, caller: Caller): Promise<Response> {
  const url = new URL(f.stack.url);
  const headers: Record<string, string> = { ...authorizationOf(f, caller) };
  if (request.endsWith('header')) headers['x-graphql-event-stream-token'] = token;
  else url.searchParams.set('token', token);
  if (request.startsWith('GET')) return fetch(url, { headers: { ...headers, accept: EVENT_STREAM } });
  if (request.startsWith('DELETE')) {
    url.searchParams.set('operationId', 'op-1');
    return fetch(url, { method: 'DELETE', headers });
  }
  const body = JSON.stringify({
    query: 'subscription($id: ID!) { balanceUpdated(accountId: $id) { amount account { client { name email } } } }',
    variables: { id: f.owner.from },
    extensions: { operationId: 'op-1' },
  });
  return fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
}

/** Status, content type and body: what a caller can tell two answers apart by. */
async function answerOf(response: Response): Promise<string> {
  return `${response.status} ${response.headers.get('content-type') ?? ''} ${await response.text()}`;
}

/**
 * The owner reserves a stream and opens it (an open stream never expires); `other` sends `request`
 * with its token. The outcome is that answer, unless it differs from what an unknown token gets, or
 * the owner's stream no longer takes an operation afterwards.
 */
async function anotherCallersToken(f: Fixture, request: StreamRequest, other: Caller): Promise<Outcome> {
  const reservation = await reserve(f, authorizationOf(f, 'owner'));
  if (reservation.status !== 201) return { code: `the owner's PUT got ${reservation.status}` };
  const ownStream = new AbortController();
  const opened = await fetch(f.stack.url, {
    headers: { ...authorizationOf(f, 'owner'), accept: EVENT_STREAM, 'x-graphql-event-stream-token': reservation.token },
    signal: ownStream.signal,
  });
  try {
    if (opened.status !== 200) return { code: `the owner could not open its stream (${opened.status})` };
    const foreign = await streamRequest(f, request, reservation.token, other);
    const foreignAnswer = await answerOf(foreign.clone());
    const unknownAnswer = await answerOf(await streamRequest(f, request, randomUUID(), other));
    if (foreignAnswer !== unknownAnswer) return { code: `differs from an unknown token's answer: ${foreignAnswer} / ${unknownAnswer}` };
    const own = await fetch(f.stack.url, {
      method: 'POST',
      headers: { ...authorizationOf(f, 'owner'), 'content-type': 'application/json', 'x-graphql-event-stream-token': reservation.token },
      body: JSON.stringify({ query: '{ __typename }', extensions: { operationId: 'own-op' } }),
    });
    await own.text();
    if (own.status !== 202) return { code: `the owner's stream took no operation afterwards (${own.status})` };
    return await outcomeOfResponse(foreign);
  } finally {
    ownStream.abort();
    await opened.body?.cancel().catch(() => undefined);
  }
}

/** A caller of its own (no other row shares its reservations) reserves one stream past its bound. */
async function reservationsOverTheBound(f: Fixture): Promise<Outcome> {
  const token = await f.sign({ role: 'client', subject: `hostile-sse-${randomUUID()}`, clientId: f.owner.clientId });
  const authorization = { authorization: `Bearer ${token}` };
  // At once, so none of them can expire before the one past the bound is asked for.
  const reservations = await Promise.all(Array.from({ length: RESERVATIONS_PER_CALLER_MAX }, () => reserve(f, authorization)));
  const refused = reservations.filter((reservation) => reservation.status !== 201).length;
  if (refused > 0) return { code: `${refused} of the first ${RESERVATIONS_PER_CALLER_MAX} reservations were refused` };
  const response = await fetch(f.stack.url, { method: 'PUT', headers: authorization });
  if (response.headers.get('retry-after') === null) return { code: 'no retry-after' };
  return outcomeOfResponse(response);
}

/**
 * A reservation never opened is gone after GATEWAY_SSE_RESERVATION_TTL_MS: its token then answers
 * like an unknown one. Polled with an operation POST (202 while it lives), never with a GET (which
 * would open it), until it goes or twice its life has passed.
 */
async function reservationExpires(f: Fixture): Promise<Outcome> {
  const reservation = await reserve(f, authorizationOf(f, 'owner'));
  if (reservation.status !== 201) return { code: `the owner's PUT got ${reservation.status}` };
  const reservedAtMs = Date.now();
  const deadlineMs = reservedAtMs + 2 * SSE_RESERVATION_TTL_MS + 2_000;
  let operation = 0;
  for (;;) {
    operation += 1;
    const response = await fetch(f.stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-graphql-event-stream-token': reservation.token, ...authorizationOf(f, 'owner') },
      body: JSON.stringify({ query: '{ __typename }', extensions: { operationId: `op-${operation}` } }),
    });
    if (response.status !== 202) {
      if (Date.now() - reservedAtMs < SSE_RESERVATION_TTL_MS)
        return { code: `gone after ${Date.now() - reservedAtMs} ms, before its life of ${SSE_RESERVATION_TTL_MS} ms` };
      return outcomeOfResponse(response);
    }
    await response.text();
    if (Date.now() > deadlineMs) return { code: `still there ${Date.now() - reservedAtMs} ms after its PUT` };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const streamNotFound = { status: 404, code: 'SSE_STREAM_NOT_FOUND' } as const;
const streamRequests: readonly StreamRequest[] = ['GET ?token=', 'GET header', 'POST header', 'POST ?token=', 'DELETE ?token='];

export const sseRows: readonly Row[] = [
  {
    name: 'urql defaults: a query over POST gets JSON, not SSE',
    transport: 'custom',
    run: (f) => urqlDefaults(f, 'query', false),
    expect: { status: 200, code: 'none', data: 'ok' },
  },
  {
    name: 'urql defaults: a query over GET gets JSON, not SSE',
    transport: 'custom',
    run: (f) => urqlDefaults(f, 'query', true),
    expect: { status: 200, code: 'none', data: 'ok' },
  },
  {
    name: 'urql defaults: a mutation gets JSON, not SSE',
    transport: 'custom',
    run: (f) => urqlDefaults(f, 'mutation', false),
    expect: { status: 200, code: 'none', data: 'ok' },
  },
  {
    name: 'Accept: application/json, text/event-stream gets JSON',
    transport: 'custom',
    run: (f) => postWithAccept(f, 'application/json, text/event-stream'),
    expect: { status: 200, code: 'none', data: 'ok' },
  },
  ...streamRequests.map((request): Row => ({
    name: `another client's SSE stream token: ${request}`,
    transport: 'custom',
    run: (f) => anotherCallersToken(f, request, 'other'),
    expect: streamNotFound,
  })),
  {
    name: "another caller's SSE stream token, even an admin's: GET ?token=",
    transport: 'custom',
    run: (f) => anotherCallersToken(f, 'GET ?token=', 'admin'),
    expect: streamNotFound,
  },
  {
    name: 'SSE reservations over the per-caller bound',
    transport: 'custom',
    run: reservationsOverTheBound,
    expect: { status: 429, code: 'SSE_RESERVATION_LIMIT_EXCEEDED', message: /at most 10 SSE streams/ },
  },
  { name: 'an SSE reservation never opened expires', transport: 'custom', run: reservationExpires, expect: streamNotFound },
];
