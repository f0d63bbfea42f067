import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createLogger } from '@walletgraph/platform/core';
import { adminAuthorization } from './auth';
import { gql, subscribe, type Transport } from './client';
import { startStack, type Stack } from './stack';

const limitsEnv = {
  GATEWAY_DEPTH_MAX: '5',
  GATEWAY_ALIASES_MAX: '3',
  GATEWAY_FIELDS_MAX: '20',
  GATEWAY_BODY_BYTES_MAX: '2000',
  GATEWAY_BATCH_SIZE_MAX: '2',
  SUBSCRIPTIONS_PER_CONNECTION_MAX: '2',
};

// Warnings and errors of the whole stack, to see what the gateway logs (and only that).
const logLines: string[] = [];
const logger = createLogger(
  { name: 'http-test', level: 'warn' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  }),
);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gatewayEnv: limitsEnv, logger });
});
afterAll(async () => {
  await stack?.stop();
});

const deep = '{ account(id: "x") { client { accounts { client { accounts { client { name } } } } } } }';
const aliased = '{ a: __typename b: __typename c: __typename d: __typename }';
const wide = `{ ${'__typename '.repeat(21)}}`;

describe('limits', () => {
  it.each([
    ['depth', deep, 'DEPTH_LIMIT_EXCEEDED', /nested 7 levels deep; the maximum is 5/],
    ['aliases', aliased, 'ALIAS_LIMIT_EXCEEDED', /4 aliases; the maximum is 3/],
    ['fields', wide, 'FIELD_LIMIT_EXCEEDED', /21 fields .*the maximum is 20/],
  ])('refuses too many %s over HTTP with a clear error', async (_name, query, code, message) => {
    const result = await gql(stack.url, query);
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions?.code).toBe(code);
    expect(result.errors?.[0]?.message).toMatch(message);
  });

  it.each<[Transport]>([['ws'], ['sse']])('applies the same limits to subscriptions over %s', async (transport) => {
    const live = subscribe(
      transport,
      stack,
      'subscription { balanceUpdated(accountId: "x") { account { client { accounts { client { accounts { id } } } } } } }',
    );
    const end = await Promise.race([live.ended, live.next(5_000).then((event) => ({ completed: false, error: event.errors }))]);
    const error = end.error as { response?: { text?: () => Promise<string> } } | undefined;
    const text = error?.response?.text === undefined ? JSON.stringify(error) : await error.response.text();
    expect(text).toMatch(/DEPTH_LIMIT_EXCEEDED/);
    await live.close();
  });

  it('refuses more subscriptions on one WebSocket than SUBSCRIPTIONS_PER_CONNECTION_MAX', async () => {
    const authorization = await adminAuthorization();
    const client = createClient({ url: stack.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization } });
    const query = 'subscription { balanceUpdated(accountId: "7dfe0fa9-d168-4329-a9ba-ca1b7052fac3") { amount } }';
    const refusal = new Promise<unknown>((resolve) => {
      const sink = { next: (value: unknown) => resolve(value), error: (error: unknown) => resolve(error), complete: () => undefined };
      client.subscribe({ query }, { next: () => undefined, error: () => undefined, complete: () => undefined });
      client.subscribe({ query }, { next: () => undefined, error: () => undefined, complete: () => undefined });
      client.subscribe({ query }, sink);
    });
    expect(JSON.stringify(await refusal)).toMatch(/SUBSCRIPTION_LIMIT_EXCEEDED.*at most 2|at most 2.*SUBSCRIPTION_LIMIT_EXCEEDED/);
    await client.dispose();
  });

  it('refuses a body over the byte limit with 413 and a JSON error', async () => {
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: await adminAuthorization() },
      body: JSON.stringify({ query: `{ __typename } # ${'x'.repeat(3000)}` }),
    });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors[0]?.extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(body.errors[0]?.message).toMatch(/larger than 2000 bytes/);
  });

  it('accepts a batch within the limit and refuses a larger one', async () => {
    const authorization = await adminAuthorization();
    const post = (count: number) =>
      fetch(stack.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify(Array.from({ length: count }, () => ({ query: '{ __typename }' }))),
      });
    const ok = await post(2);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual([{ data: { __typename: 'Query' } }, { data: { __typename: 'Query' } }]);
    const refused = await post(3);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      errors: [{ message: expect.stringMatching(/at most 2 operations/), extensions: { code: 'BATCH_LIMIT_EXCEEDED' } }],
    });
  });
});

describe('caller mistakes are HTTP 400s with a clear code', () => {
  const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
  it.each([
    ['an unknown operationName', { query: 'query A { __typename }', operationName: 'B' }, 'OPERATION_RESOLUTION_FAILURE', /^Unknown operation named "B"\.$/],
    [
      'no operationName for a document of two',
      { query: 'query A { __typename } query B { __typename }' },
      'OPERATION_RESOLUTION_FAILURE',
      /^Must provide operation name/,
    ],
    [
      'a subscription over plain HTTP',
      { query: 'subscription { balanceUpdated(accountId: "x") { amount } }' },
      'BAD_REQUEST',
      /use a WebSocket .* or Server-Sent Events/,
    ],
    [
      "an APQ hash that is not the query's",
      { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ other }') } } },
      'PERSISTED_QUERY_HASH_MISMATCH',
      /^provided sha does not match query$/,
    ],
  ])('%s', async (_name, body, code, message) => {
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: await adminAuthorization() },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(400);
    const { errors } = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(errors).toHaveLength(1);
    expect(errors[0]?.extensions.code).toBe(code);
    expect(errors[0]?.message).toMatch(message);
  });
});

describe('WebSocket protocol errors', () => {
  it('a frame over the limit closes with 1009 and logs one structured line, no stack on the console', async () => {
    const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const socket = new WebSocket(stack.wsUrl, 'graphql-transport-ws');
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: await adminAuthorization() } }));
      await new Promise((resolve) => socket.once('message', resolve));
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      socket.send(JSON.stringify({ type: 'ping', payload: { padding: 'x'.repeat(3000) } }));
      expect(await closed).toBe(1009);
      const lines = logLines.filter((line) => line.includes('WebSocket closed: protocol error from the client'));
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
        level: 'warn',
        code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
        closeCode: 1009,
        reason: 'Max payload size exceeded',
      });
      expect(lines[0]).not.toMatch(/\bat .*\.js:\d+/);
      expect(consoleError).not.toHaveBeenCalled();
    } finally {
      consoleError.mockRestore();
    }
  });
});

describe('HTTP behaviour', () => {
  it('prevents CSRF: a simple GET (one a browser sends cross-site without a preflight) is refused', async () => {
    const url = `${stack.url}?query=${encodeURIComponent('{ __typename }')}`;
    const refused = await fetch(url, { headers: { accept: 'application/json' } });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/Cross-Site Request Forgery/);
    // `authorization` is not CORS-safelisted: a browser preflights any request carrying it, so it
    // proves a preflight like Apollo's own header does (urql sends queries as such plain GETs).
    const authorization = await adminAuthorization();
    for (const headers of [{ authorization }, { 'apollo-require-preflight': 'true', authorization }] as Array<Record<string, string>>) {
      const allowed = await fetch(url, { headers });
      expect(allowed.status).toBe(200);
      expect(await allowed.json()).toEqual({ data: { __typename: 'Query' } });
    }
  });

  it('supports automatic persisted queries', async () => {
    const query = '{ __typename }';
    const { createHash } = await import('node:crypto');
    const extensions = { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } };
    const authorization = await adminAuthorization();
    const post = (body: unknown) =>
      fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(body) }).then((r) => r.json());
    expect(JSON.stringify(await post({ extensions }))).toMatch(/PERSISTED_QUERY_NOT_FOUND/);
    await post({ query, extensions });
    expect(await post({ extensions })).toEqual({ data: { __typename: 'Query' } });
  });

  it('serves liveness, readiness and Prometheus metrics', async () => {
    await gql(stack.url, '{ account(id: "7dfe0fa9-d168-4329-a9ba-ca1b7052fac3") { client { name } balance { amount } } }');
    expect((await fetch(`${stack.origin}/health/live`)).status).toBe(200);
    const ready = await fetch(`${stack.origin}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, supergraphLoaded: true, subgraphs: { wallet: { reachable: true }, balance: { reachable: true } } });
    const metrics = await (await fetch(`${stack.origin}/metrics`)).text();
    expect(metrics).toMatch(/gateway_requests_total\{operation_type="query",outcome="ok"\} \d+/);
    expect(metrics).toMatch(/gateway_request_duration_seconds_bucket\{le="[^"]+",operation_type="query"\}/);
    expect(metrics).toMatch(/gateway_subgraph_fetch_duration_seconds_count\{subgraph="wallet",outcome="ok"\} \d+/);
    expect(metrics).toMatch(/gateway_subgraph_fetch_duration_seconds_count\{subgraph="balance",outcome="ok"\} \d+/);
    expect(metrics).toMatch(/gateway_subscriptions_active/);
    expect(metrics).toMatch(/gateway_query_plan_cache_bytes [1-9]\d*/);
    expect(metrics).toMatch(/gateway_limit_rejections_total\{limit="DEPTH_LIMIT_EXCEEDED"\} [1-9]/);
  });

  it('answers unknown paths with a JSON 404', async () => {
    const response = await fetch(`${stack.origin}/nope`);
    expect(response.status).toBe(404);
  });
});
