// Size and shape limits (depth, aliases, fields, batches, bodies, frames) and clients that stop
// reading: each is refused with its own code before any subgraph work, on every transport.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { actUntilEvent } from '../fixtures';
import { subscribe } from '../client';
import type { Fixture, Outcome, Row, Wire } from './harness';
import { authorizationOf, outcomeOfBody } from './harness';

/** A document nested `levels` deep through account → client → accounts → client … */
function deepQuery(levels: number): (f: Fixture) => Wire {
  return (f) => {
    let selection = 'id';
    for (let level = 1; level < levels; level += 1) selection = level % 2 === 1 ? `client { ${selection} }` : `accounts { ${selection} }`;
    return { query: `query($id: ID!) { account(id: $id) { ${selection} } }`, variables: { id: f.owner.from } };
  };
}
const nestedTooDeepToParse = (): Wire => ({ query: `{ ${'a { '.repeat(5_000)}b${' }'.repeat(5_000)} }` });
const aliases =
  (count: number) =>
  (f: Fixture): Wire => ({
    query: `query($id: ID!) { ${Array.from({ length: count }, (_, i) => `a${i}: account(id: $id) { id }`).join(' ')} }`,
    variables: { id: f.owner.from },
  });
const fields = (count: number) => (): Wire => ({
  query: `{ ${Array.from({ length: count }, () => '__typename').join(' ')} clients(first: 1) { edges { cursor } } }`,
});

async function postRaw(f: Fixture, body: string, headers: Record<string, string> = {}): Promise<Outcome> {
  const response = await fetch(f.stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authorizationOf(f, 'owner'), ...headers },
    body,
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { errors: [{ message: text, extensions: { code: 'not JSON' } }] };
  }
  return outcomeOfBody(parsed as never, { status: response.status });
}

const transferBody = (f: Fixture, amount: string) => ({
  query: 'mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { id } }',
  variables: { input: { accountIdFrom: f.owner.from, accountIdTo: f.owner.to, amount, idempotencyKey: randomUUID() } },
});

/** A WebSocket client that sends one message of `bytes` after connection_init; the outcome is how the gateway closed it. */
async function oversizedFrame(f: Fixture, bytes: number): Promise<Outcome> {
  const socket = new WebSocket(f.stack.wsUrl, 'graphql-transport-ws');
  return new Promise<Outcome>((resolve) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: authorizationOf(f, 'owner') })));
    socket.on('message', () => socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ __typename } #${'x'.repeat(bytes)}` } })));
    socket.on('error', () => undefined);
    socket.on('close', (code) => resolve({ close: code }));
  });
}

/**
 * A subscriber that never reads (its socket paused) beside one that does: the stuck one must not
 * hold back the other's events, so the reader's event arrives while the stuck one is still there.
 */
async function stuckBesideLive(f: Fixture, transport: 'ws' | 'sse'): Promise<Outcome> {
  const query = 'subscription($id: ID!) { balanceUpdated(accountId: $id) { amount version } }';
  const stuck = new WebSocket(f.stack.wsUrl, 'graphql-transport-ws');
  const stuckSse = new AbortController();
  const authorization = authorizationOf(f, 'owner');
  if (transport === 'ws') {
    await new Promise<void>((resolve) => {
      stuck.on('open', () => stuck.send(JSON.stringify({ type: 'connection_init', payload: authorization })));
      stuck.once('message', () => {
        stuck.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: { id: f.owner.to } } }));
        // From now on nothing is read from this socket: the kernel buffers fill, the gateway's writes wait.
        (stuck as unknown as { _socket: { pause(): void } })._socket.pause();
        resolve();
      });
    });
  } else {
    // An SSE stream whose body is never read.
    void fetch(f.stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...authorization },
      body: JSON.stringify({ query, variables: { id: f.owner.to } }),
      signal: stuckSse.signal,
    }).catch(() => undefined);
  }
  const live = subscribe(transport, f.stack, query, { id: f.owner.to }, { authorization: authorization['authorization'] ?? null });
  try {
    const event = await actUntilEvent(() => f.admin.deposit({ accountId: f.owner.to, amount: '0.01' }), live.next);
    return {
      code: event.errors === undefined ? 'none' : (event.errors[0]?.extensions?.code ?? 'no code'),
      data: event.data === null || event.data === undefined ? 'null' : 'ok',
    };
  } finally {
    await live.close();
    stuck.terminate();
    stuckSse.abort();
  }
}

/** The hostile stack's GATEWAY_SUBSCRIPTIONS_MAX and GATEWAY_SUBSCRIPTIONS_PER_CALLER_MAX (hostile.test.ts sets them). */
export const SUBSCRIPTIONS_MAX = 100;
export const SUBSCRIPTIONS_PER_CALLER_MAX = 30;

/**
 * One caller (a token of its own) opens connection after connection, 20 subscriptions each, up to
 * the whole process's GATEWAY_SUBSCRIPTIONS_MAX; then the owner subscribes and waits for an event.
 * Before the per-caller bound the flood held every slot and the owner was refused.
 */
async function oneCallerFloods(f: Fixture): Promise<Outcome> {
  const token = await f.sign({ role: 'client', subject: `hostile-flood-${randomUUID()}`, clientId: f.owner.clientId });
  const perConnection = 20;
  const sockets: WebSocket[] = [];
  let refused = 0;
  try {
    for (let c = 0; c < SUBSCRIPTIONS_MAX / perConnection; c += 1) {
      const socket = new WebSocket(f.stack.wsUrl, 'graphql-transport-ws');
      sockets.push(socket);
      socket.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
        socket.on('close', (code) => reject(new Error(`flood connection closed with ${code}`)));
        socket.on('message', (data) => {
          const message = JSON.parse((data as Buffer).toString('utf8')) as { type: string; payload?: { errors?: Array<{ extensions?: { code?: string } }> } };
          if (message.type === 'connection_ack') {
            for (let i = 0; i < perConnection; i += 1)
              socket.send(
                JSON.stringify({
                  id: String(i),
                  type: 'subscribe',
                  payload: { query: 'subscription($id: ID!) { balanceUpdated(accountId: $id) { amount } }', variables: { id: f.owner.to } },
                }),
              );
            resolve();
          } else if (message.type === 'next' && message.payload?.errors?.[0]?.extensions?.code === 'SUBSCRIPTION_LIMIT_EXCEEDED') refused += 1;
        });
      });
    }
    const expectedRefused = SUBSCRIPTIONS_MAX - SUBSCRIPTIONS_PER_CALLER_MAX;
    const deadlineMs = Date.now() + 10_000;
    while (refused < expectedRefused && Date.now() < deadlineMs) await new Promise((resolve) => setTimeout(resolve, 50));
    if (refused !== expectedRefused)
      return { code: `the flooding caller had ${refused} of ${SUBSCRIPTIONS_MAX} subscriptions refused, not ${expectedRefused}` };
    const live = subscribe(
      'sse',
      f.stack,
      'subscription($id: ID!) { balanceUpdated(accountId: $id) { amount version } }',
      { id: f.owner.to },
      { authorization: authorizationOf(f, 'owner')['authorization'] ?? null },
    );
    try {
      const event = await actUntilEvent(() => f.admin.deposit({ accountId: f.owner.to, amount: '0.01' }), live.next);
      return {
        code: event.errors === undefined ? 'none' : (event.errors[0]?.extensions?.code ?? 'no code'),
        data: event.data === null || event.data === undefined ? 'null' : 'ok',
      };
    } finally {
      await live.close();
    }
  } finally {
    for (const socket of sockets) socket.terminate();
  }
}

export const limitRows: readonly Row[] = [
  { name: 'one caller cannot take every subscription slot of the process', transport: 'custom', run: oneCallerFloods, expect: { code: 'none', data: 'ok' } },
  { name: 'depth over the limit (13 > 12)', transport: 'http', request: deepQuery(13), expect: { status: 400, code: 'DEPTH_LIMIT_EXCEEDED' } },
  { name: 'depth over the limit over WebSocket', transport: 'ws', request: deepQuery(13), expect: { code: 'DEPTH_LIMIT_EXCEEDED' } },
  { name: 'depth over the limit over SSE', transport: 'sse', request: deepQuery(13), expect: { status: 400, code: 'DEPTH_LIMIT_EXCEEDED' } },
  // 5,000 levels parse past the stack (graphql-js parses recursively): over HTTP Apollo Server calls
  // it GRAPHQL_PARSE_FAILED; over WebSocket the RangeError closed the socket with 4500 (its message
  // as the reason), over SSE it was a 500.
  {
    name: 'a selection set nested 5,000 deep over HTTP',
    transport: 'http',
    request: nestedTooDeepToParse,
    expect: { status: 400, code: 'GRAPHQL_PARSE_FAILED' },
  },
  { name: 'a selection set nested 5,000 deep over WebSocket', transport: 'ws', request: nestedTooDeepToParse, expect: { code: 'GRAPHQL_PARSE_FAILED' } },
  {
    name: 'a selection set nested 5,000 deep over SSE',
    transport: 'sse',
    request: nestedTooDeepToParse,
    expect: { status: 400, code: 'GRAPHQL_PARSE_FAILED' },
  },
  { name: 'aliases over the limit (31 > 30)', transport: 'http', request: aliases(31), expect: { status: 400, code: 'ALIAS_LIMIT_EXCEEDED' } },
  { name: 'aliases over the limit over WebSocket', transport: 'ws', request: aliases(31), expect: { code: 'ALIAS_LIMIT_EXCEEDED' } },
  { name: 'fields over the limit (501 > 500)', transport: 'http', request: fields(498), expect: { status: 400, code: 'FIELD_LIMIT_EXCEEDED' } },
  { name: 'fields over the limit over SSE', transport: 'sse', request: fields(498), expect: { status: 400, code: 'FIELD_LIMIT_EXCEEDED' } },
  {
    name: 'batch over the limit (11 > 10), holding transfers',
    transport: 'custom',
    run: (f) => postRaw(f, JSON.stringify(Array.from({ length: 11 }, () => transferBody(f, '1')))),
    expect: { status: 400, code: 'BATCH_LIMIT_EXCEEDED' },
    changesNothing: true,
  },
  {
    name: 'batch within the limit: a float amount in one operation is refused there',
    transport: 'custom',
    run: async (f) => {
      const body = `[${JSON.stringify(transferBody(f, '1')).replace('"amount":"1"', '"amount":0.10000000000000001')}]`;
      return postRaw(f, body);
    },
    expect: { code: 'BAD_USER_INPUT' },
    changesNothing: true,
  },
  {
    name: 'body over the limit (> 100,000 bytes)',
    transport: 'custom',
    run: (f) => postRaw(f, JSON.stringify({ ...transferBody(f, '1'), query: `${transferBody(f, '1').query} #${'x'.repeat(100_001)}` })),
    expect: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
    changesNothing: true,
  },
  {
    name: 'body over the limit over SSE',
    transport: 'custom',
    run: (f) => postRaw(f, JSON.stringify({ query: `{ __typename } #${'x'.repeat(100_001)}` }), { accept: 'text/event-stream' }),
    expect: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  },
  { name: 'WebSocket frame over the limit closes with 1009', transport: 'custom', run: (f) => oversizedFrame(f, 100_001), expect: { close: 1009 } },
  { name: 'body that is not JSON', transport: 'custom', run: (f) => postRaw(f, '{"query": "{ __typename }"'), expect: { status: 400, code: 'BAD_REQUEST' } },
  {
    name: 'a WebSocket subscriber that never reads does not hold back another',
    transport: 'custom',
    run: (f) => stuckBesideLive(f, 'ws'),
    expect: { code: 'none', data: 'ok' },
  },
  {
    name: 'an SSE subscriber that never reads does not hold back another',
    transport: 'custom',
    run: (f) => stuckBesideLive(f, 'sse'),
    expect: { code: 'none', data: 'ok' },
  },
];
