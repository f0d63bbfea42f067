// The gateway's own spans with explicit tracing context (the default): one federated read through
// the real gateway (Apollo Server, Apollo Gateway, the data sources) against two stand-in
// subgraphs, traced in memory with WALLETGRAPH_TRACING_CONTEXT=explicit's context manager.
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { AlwaysOnSampler, ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import { createLogger, DEV_AUTH_JWT_SECRET } from '@walletgraph/platform/core';
import { DEFAULT_AUTH_AUDIENCE, DEFAULT_AUTH_ISSUER, mintUserToken } from '@walletgraph/platform/auth';
import { startInMemoryTracing, SpanKind, type RecordedSpan } from '@walletgraph/platform/tracing';
import { createGateway, type Gateway } from '../app';
import { loadGatewayConfig } from '../config';

type Received = { readonly traceparent: string | undefined; readonly body: string };

/** A subgraph that answers the read's fetch by what it asks for (the account, or its balance entity). */
function standInSubgraph(answer: (body: string) => unknown): { server: http.Server; received: Received[]; url: () => string } {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const traceparent = request.headers['traceparent'];
      received.push({ traceparent: Array.isArray(traceparent) ? traceparent[0] : traceparent, body });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer(body)));
    });
  });
  return { server, received, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

const listen = (server: http.Server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const close = (server: http.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

const wallet = standInSubgraph(() => ({ data: { account: { __typename: 'Account', id: 'a1' } } }));
const balance = standInSubgraph(() => ({ data: { _entities: [{ __typename: 'Account', balance: { amount: '12.50' } }] } }));
const lines: Record<string, unknown>[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
    done();
  },
});
// The gateway's sampler: the caller's decision when it sends one, a new trace sampled otherwise.
const tracing = startInMemoryTracing({ contextScope: 'explicit', sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }) });
let gateway: Gateway;
let authorization: string;
const storageEntered = { run: jest.spyOn(AsyncLocalStorage.prototype, 'run'), enterWith: jest.spyOn(AsyncLocalStorage.prototype, 'enterWith') };

beforeAll(async () => {
  await Promise.all([listen(wallet.server), listen(balance.server)]);
  gateway = createGateway(
    loadGatewayConfig({
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
      GATEWAY_PORT: '0',
      GATEWAY_HOST: '127.0.0.1',
      WALLET_SUBGRAPH_URL: wallet.url(),
      BALANCE_SUBGRAPH_URL: balance.url(),
      BALANCE_SUBGRAPH_WS_URL: balance.url().replace('http:', 'ws:'),
    }),
    createLogger({ name: 'gateway', level: 'info' }, logStream),
  );
  await gateway.start();
  authorization = `Bearer ${await mintUserToken({ role: 'admin', subject: 'tracer' }, { secret: DEV_AUTH_JWT_SECRET, issuer: DEFAULT_AUTH_ISSUER, audience: DEFAULT_AUTH_AUDIENCE, expiresIn: '1h' })}`;
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([close(wallet.server), close(balance.server)]);
  await tracing.stop();
  storageEntered.run.mockRestore();
  storageEntered.enterWith.mockRestore();
});

beforeEach(() => {
  wallet.received.length = 0;
  balance.received.length = 0;
  lines.length = 0;
  storageEntered.run.mockClear();
  storageEntered.enterWith.mockClear();
});

async function read(traceparent: string): Promise<Response> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization, traceparent },
    body: JSON.stringify({ query: 'query TracedRead($id: ID!) { account(id: $id) { id balance { amount } } }', variables: { id: 'a1' } }),
  });
  expect(await response.json()).toEqual({ data: { account: { id: 'a1', balance: { amount: '12.50' } } } });
  return response;
}

const spansOf = (traceId: string): RecordedSpan[] => tracing.spans().filter((span) => span.traceId === traceId);
const one = (spans: readonly RecordedSpan[], name: string): RecordedSpan => {
  const found = spans.filter((span) => span.name === name);
  expect(found).toHaveLength(1);
  return found[0] as RecordedSpan;
};
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

describe('the gateway’s spans with explicit tracing context', () => {
  it('a sampled read: request, validate, plan, execute, one CLIENT fetch span per subgraph (the one it receives), postprocessing; no AsyncLocalStorage', async () => {
    const traceId = hex(16);
    const callerSpanId = hex(8);
    const response = await read(`00-${traceId}-${callerSpanId}-01`);
    const spans = spansOf(traceId);
    const server = one(spans, 'query TracedRead');
    expect(server).toMatchObject({ kind: SpanKind.SERVER, parentSpanId: callerSpanId });
    expect(response.headers.get('traceresponse')).toBe(`00-${traceId}-${server.spanId}-01`);
    const request = one(spans, 'gateway.request');
    expect(request.parentSpanId).toBe(server.spanId);
    expect(request.attributes).toMatchObject({ 'graphql.operation.name': 'TracedRead', 'graphql.operation.type': 'query' });
    for (const name of ['gateway.validate', 'gateway.plan', 'gateway.execute']) expect(one(spans, name).parentSpanId).toBe(request.spanId);
    const execute = one(spans, 'gateway.execute');
    expect(one(spans, 'gateway.postprocessing').parentSpanId).toBe(execute.spanId);
    const fetches = spans.filter((span) => span.name === 'gateway.fetch');
    expect(fetches.map((span) => span.attributes['service']).sort()).toEqual(['balance', 'wallet']);
    for (const fetchSpan of fetches) {
      expect(fetchSpan).toMatchObject({ kind: SpanKind.CLIENT, parentSpanId: execute.spanId });
      const subgraph = fetchSpan.attributes['service'] === 'wallet' ? wallet : balance;
      // The subgraph's SERVER span becomes the child of this fetch span.
      expect(subgraph.received.map((r) => r.traceparent)).toEqual([`00-${traceId}-${fetchSpan.spanId}-01`]);
    }
    expect(spans).toHaveLength(8);
    // Zipkin refuses a whole batch over one timestamp that is not whole microseconds (ours, given by hand).
    const postprocessing = one(spans, 'gateway.postprocessing');
    for (const time of [postprocessing.startTime, postprocessing.endTime]) expect(time[1] % 1_000).toBe(0);
    expect(postprocessing.endTime[0] * 1e9 + postprocessing.endTime[1]).toBeGreaterThanOrEqual(postprocessing.startTime[0] * 1e9 + postprocessing.startTime[1]);
    // The operation's log line carries the trace, from the request's logger (no active span follows the request).
    expect(lines.find((line) => line['msg'] === 'graphql operation')).toMatchObject({ trace_id: traceId, span_id: server.spanId });
    expect(storageEntered.run).not.toHaveBeenCalled();
    expect(storageEntered.enterWith).not.toHaveBeenCalled();
  });

  it('a plan-cache hit has no gateway.plan span', async () => {
    const traceId = hex(16);
    await read(`00-${traceId}-${hex(8)}-01`);
    const spans = spansOf(traceId);
    expect(spans.map((span) => span.name).sort()).toEqual(
      ['gateway.execute', 'gateway.fetch', 'gateway.fetch', 'gateway.postprocessing', 'gateway.request', 'gateway.validate', 'query TracedRead'].sort(),
    );
  });

  it('an unsampled read records nothing, enters no AsyncLocalStorage, and passes the decision (flag 00) on to every subgraph', async () => {
    const traceId = hex(16);
    const before = tracing.spans().length;
    const response = await read(`00-${traceId}-${hex(8)}-00`);
    expect(tracing.spans()).toHaveLength(before);
    expect(response.headers.get('traceresponse')).toBeNull();
    for (const subgraph of [wallet, balance]) {
      expect(subgraph.received).toHaveLength(1);
      expect(subgraph.received[0]?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
    }
    expect(lines.find((line) => line['msg'] === 'graphql operation')).not.toHaveProperty('trace_id');
    expect(storageEntered.run).not.toHaveBeenCalled();
    expect(storageEntered.enterWith).not.toHaveBeenCalled();
  });

  it("a sampled request refused before Apollo ran (a bad token) logs its refusal with the request's trace ids", async () => {
    const traceId = hex(16);
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token', traceparent: `00-${traceId}-${hex(8)}-01` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(401);
    const server = one(spansOf(traceId), 'POST /graphql');
    const refusal = lines.find((line) => line['msg'] === 'request refused: not authenticated');
    expect(refusal).toMatchObject({ trace_id: traceId, span_id: server.spanId });
    // Once per line: the request logger is not a child of a child carrying the same fields.
    expect(lines.filter((line) => line['msg'] === 'request refused: not authenticated')).toHaveLength(1);
  });
});
