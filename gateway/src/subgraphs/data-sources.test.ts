import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { createLogger, DEV_INTERNAL_AUTH_SECRET } from '@walletgraph/platform/core';
import { INTERNAL_IDENTITY_HEADER, verifyInternalIdentity, type Identity } from '@walletgraph/platform/auth';
import { createIdentityMinter } from '../auth/internal-identity';
import { createMetrics, type GatewayMetrics } from '../metrics/metrics';
import { createGatewayContext } from '../context/request-context';
import { headersWithConnectionParams } from '../subscriptions/connection-headers';
import { createSubgraphDataSources, isQueryOperation, type DataSourceConfig } from './data-sources';

const logger = createLogger({ name: 'test', level: 'silent' });
const alice: Identity = { role: 'client', subject: 'alice', clientId: 'c26425d8-d0f3-4a91-bb96-a1f8fddc3653' };
const bob: Identity = { role: 'client', subject: 'bob', clientId: '0b7c1f5e-8a53-4c53-9a5e-3b1c4f9d2e10' };
const accountQuery = 'query Read__wallet__0($id:ID!){account(id:$id){id}}';
const transferMutation = 'mutation Pay__wallet__0($id:ID!){createTransaction(input:{fromAccountId:$id}){id}}';

/** A stand-in subgraph that counts requests and, while `holding`, answers only when released. */
function createFakeSubgraph() {
  const received: http.IncomingHttpHeaders[] = [];
  const bodies: string[] = [];
  let held: Array<() => void> = [];
  let holding = false;
  let answerOverride: { status: number; contentType: string; body: string } | undefined;
  const server = http.createServer((request, response) => {
    received.push(request.headers);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      const answer = () => {
        if (answerOverride !== undefined) {
          response.writeHead(answerOverride.status, { 'content-type': answerOverride.contentType });
          response.end(answerOverride.body);
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(`{"data":{"account":{"id":"${received.length}"}}}`);
      };
      if (holding) held.push(answer);
      else answer();
    });
  });
  return {
    server,
    received,
    bodies,
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      const answers = held;
      held = [];
      for (const answer of answers) answer();
    },
    answerWith: (answer: { status: number; contentType: string; body: string } | undefined) => {
      answerOverride = answer;
    },
    reset: () => {
      answerOverride = undefined;
      received.length = 0;
      bodies.length = 0;
    },
  };
}

/** Polls a condition on the event loop (no fixed sleeps); fails after deadlineMs. */
async function until(condition: () => boolean | Promise<boolean>, what: string, deadlineMs = 5_000): Promise<void> {
  const endMs = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > endMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function sharedCount(metrics: GatewayMetrics): Promise<number> {
  return (await metrics.subgraphFetchSharedCount.get()).values.reduce((sum, v) => sum + v.value, 0);
}

describe('subgraph data sources', () => {
  const fake = createFakeSubgraph();
  let url: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));
  beforeEach(() => fake.reset());

  function setup(overrides: Partial<DataSourceConfig> = {}, identityReuseMs = 30_000) {
    const metrics = createMetrics({ planCacheStats: () => ({ entryCount: 0, sizeBytes: 0, hitCount: 0, missCount: 0, evictionCount: 0 }) });
    const mintIdentity = createIdentityMinter({ internalSecret: DEV_INTERNAL_AUTH_SECRET, reuseMs: identityReuseMs, cacheBytesMax: 1_000_000 });
    const config: DataSourceConfig = {
      subgraphs: { wallet: { httpUrl: url }, balance: { httpUrl: url, wsUrl: 'ws://127.0.0.1:1/graphql' } },
      subgraphTimeoutMs: 2_000,
      subgraphSocketsMax: 16,
      dedupeInflight: true,
      dedupeInflightKeysMax: 100,
      ...overrides,
    };
    const sources = createSubgraphDataSources({ metrics, mintIdentity, logger }, config);
    const wallet = sources.byName.get('wallet');
    if (wallet === undefined) throw new Error('no wallet data source');
    const send = (identity: Identity, query: string, id = 'a1') =>
      wallet.process({
        kind: GraphQLDataSourceRequestKind.HEALTH_CHECK,
        request: { query, variables: { id } },
        context: createGatewayContext({}, logger, identity),
      });
    return { metrics, sources, wallet, send };
  }

  it('sends the signed identity (never the user token), request id and trace context, over kept-alive sockets, and times fetches', async () => {
    const { metrics, sources, wallet } = setup({}, 0);
    const context = createGatewayContext(
      { authorization: 'Bearer t', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', cookie: 'not forwarded' },
      logger,
      alice,
    );
    for (let i = 0; i < 2; i += 1) {
      await wallet.process({ kind: GraphQLDataSourceRequestKind.HEALTH_CHECK, request: { query: '{ __typename }' }, context });
    }
    await sources.destroy();
    expect(fake.received[0]?.authorization).toBeUndefined();
    const signed = fake.received[0]?.[INTERNAL_IDENTITY_HEADER];
    expect(typeof signed).toBe('string');
    await expect(verifyInternalIdentity(String(signed), { secret: DEV_INTERNAL_AUTH_SECRET })).resolves.toMatchObject({
      ...alice,
      requestId: context.requestId,
    });
    expect(fake.received[0]).toMatchObject({
      'x-request-id': context.requestId,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'content-type': 'application/json',
    });
    expect(fake.received[0]?.cookie).toBeUndefined();
    expect(JSON.parse(fake.bodies[0] ?? '')).toMatchObject({ query: '{ __typename }' });
    expect(await metrics.registry.getSingleMetricAsString('gateway_subgraph_fetch_duration_seconds')).toMatch(/_count\{subgraph="wallet",outcome="ok"\} 2/);
  });

  it("passes a subgraph's GraphQL-shaped 4xx through with its codes; any other non-2xx stays an HTTP error", async () => {
    const { sources, send } = setup();
    const refusal = '{"errors":[{"message":"Variable \\"$a\\" got invalid value true","extensions":{"code":"BAD_USER_INPUT"}},{"message":"no code"}]}';
    fake.answerWith({ status: 400, contentType: 'application/graphql-response+json; charset=utf-8', body: refusal });
    const refused = await send(alice, transferMutation);
    expect(refused.errors?.map((error) => [error.message, error.extensions?.['code']])).toEqual([
      ['Variable "$a" got invalid value true', 'BAD_USER_INPUT'],
      ['no code', 'BAD_REQUEST'],
    ]);
    fake.answerWith({ status: 400, contentType: 'text/plain', body: 'Bad Request' });
    await expect(send(alice, transferMutation)).rejects.toThrow('400: Bad Request');
    fake.answerWith({ status: 500, contentType: 'application/json', body: '{"errors":[{"message":"boom","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}' });
    await expect(send(alice, transferMutation)).rejects.toThrow('500: Internal Server Error');
    fake.answerWith({ status: 401, contentType: 'application/json', body: '{"code":"UNAUTHENTICATED","message":"missing identity"}' });
    await expect(send(alice, transferMutation)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    fake.answerWith({ status: 503, contentType: 'text/html', body: '<h1>down for maintenance</h1>' });
    await expect(send(alice, transferMutation)).rejects.toMatchObject({ message: '503: Service Unavailable', extensions: { code: 'SERVICE_UNAVAILABLE' } });
    await sources.destroy();
  });

  it('a subgraph it cannot reach is SERVICE_UNAVAILABLE (retriable) naming the subgraph, never the address or the errno', async () => {
    const { sources, send } = setup({
      subgraphs: { wallet: { httpUrl: 'http://127.0.0.1:1/graphql' }, balance: { httpUrl: url, wsUrl: 'ws://127.0.0.1:1/graphql' } },
    });
    const failure: unknown = await send(alice, transferMutation).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      message: 'the wallet subgraph is unavailable; retry later',
      extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'wallet' },
    });
    expect(JSON.stringify((failure as { extensions: unknown }).extensions)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    await sources.destroy();
  });

  it('reuses one signed identity per caller (without a request id) while GATEWAY_IDENTITY_REUSE_MS runs', async () => {
    const { sources, send } = setup();
    await send(alice, accountQuery);
    await send(alice, accountQuery);
    await send(bob, accountQuery);
    await sources.destroy();
    const [first, second, other] = fake.received.map((headers) => String(headers[INTERNAL_IDENTITY_HEADER]));
    expect(second).toBe(first);
    expect(other).not.toBe(first);
    await expect(verifyInternalIdentity(String(first), { secret: DEV_INTERNAL_AUTH_SECRET })).resolves.toMatchObject({ ...alice, requestId: undefined });
    await expect(verifyInternalIdentity(String(other), { secret: DEV_INTERNAL_AUTH_SECRET })).resolves.toMatchObject(bob);
  });

  it('merges N concurrent identical queries of one identity into one upstream request; each caller gets its own copy', async () => {
    const { metrics, sources, send } = setup();
    const callerCount = 20;
    fake.hold();
    const answers = Array.from({ length: callerCount }, () => send(alice, accountQuery));
    await until(async () => (await sharedCount(metrics)) === callerCount - 1, 'every caller to join the fetch in flight');
    fake.release();
    const results = await Promise.all(answers);
    await sources.destroy();
    expect(fake.received).toHaveLength(1);
    expect(new Set(results.map((r) => JSON.stringify(r.data)))).toEqual(new Set(['{"account":{"id":"1"}}']));
    expect(results[0]?.data).not.toBe(results[1]?.data);
  });

  it.each<[string, Identity[], string, Partial<DataSourceConfig>]>([
    ['mutations', [alice, alice, alice, alice], transferMutation, {}],
    ['different identities', [alice, bob, alice, bob], accountQuery, {}],
    ['queries when GATEWAY_DEDUPE_INFLIGHT is false', [alice, alice, alice, alice], accountQuery, { dedupeInflight: false }],
  ])('never merges %s', async (_name, identities, query, overrides) => {
    const { metrics, sources, send } = setup(overrides);
    const expectedCount = overrides.dedupeInflight === false || query === transferMutation ? identities.length : new Set(identities).size;
    fake.hold();
    const answers = identities.map((identity) => send(identity, query));
    await until(() => fake.received.length === expectedCount, `${expectedCount} upstream requests`);
    fake.release();
    await Promise.all(answers);
    await sources.destroy();
    expect(fake.received).toHaveLength(expectedCount);
    expect(new Set(fake.received.map((h) => h[INTERNAL_IDENTITY_HEADER])).size).toBe(new Set(identities).size);
    expect(await sharedCount(metrics)).toBe(identities.length - expectedCount);
  });

  it('merges only while a fetch is in flight: a later identical query fetches again', async () => {
    const { sources, send } = setup();
    await send(alice, accountQuery);
    await send(alice, accountQuery);
    await sources.destroy();
    expect(fake.received).toHaveLength(2);
  });

  it('runs a fetch unshared when the in-flight map is full, and counts it', async () => {
    const { metrics, sources, send } = setup({ dedupeInflightKeysMax: 1 });
    fake.hold();
    const answers = [send(alice, accountQuery, 'a1'), send(alice, accountQuery, 'a2'), send(alice, accountQuery, 'a1')];
    await until(() => fake.received.length === 2, 'two upstream requests');
    fake.release();
    await Promise.all(answers);
    await sources.destroy();
    expect(fake.received).toHaveLength(2);
    expect(await metrics.registry.getSingleMetricAsString('gateway_subgraph_dedupe_full_total')).toMatch(/subgraph="wallet"\} 1/);
  });

  it('tells queries from mutations by the plan document or the operation keyword', () => {
    expect(isQueryOperation(accountQuery, undefined)).toBe(true);
    expect(isQueryOperation('  { __typename }', undefined)).toBe(true);
    expect(isQueryOperation(transferMutation, undefined)).toBe(false);
    expect(isQueryOperation('subscription S { x }', undefined)).toBe(false);
    expect(isQueryOperation('queryX', undefined)).toBe(false);
  });

  it('takes WebSocket headers from connectionParams when the browser could not send them', () => {
    expect(headersWithConnectionParams({ host: 'x' }, { traceparent: 't1' })).toMatchObject({ traceparent: 't1' });
    expect(headersWithConnectionParams({}, { headers: { TraceParent: 't2', cookie: 'no', authorization: 'Bearer b' } })).toEqual({ traceparent: 't2' });
    expect(createGatewayContext({ 'x-request-id': 'bad id with spaces' }, logger, { role: 'admin', subject: 'a' }).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
