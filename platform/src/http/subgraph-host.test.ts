import { GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import pino from 'pino';
import { SpanKind } from '@opentelemetry/api';
import { UnauthenticatedError } from '../core/index.js';
import { createSubgraphHost, type HostReadiness, type SubgraphHost, type SubgraphHostDeps } from './subgraph-host.js';

interface Context {
  readonly requestId: string;
  readonly caller: string;
}

const schema = new GraphQLSchema({
  query: new GraphQLObjectType<unknown, Context>({
    name: 'Query',
    fields: {
      caller: { type: GraphQLString, resolve: (_source, _args, context) => context.caller },
      requestId: { type: GraphQLString, resolve: (_source, _args, context) => context.requestId },
    },
  }),
});
const logger = pino({ level: 'silent' });

async function startHost(overrides: Partial<SubgraphHostDeps<Context, string>> = {}): Promise<{ host: SubgraphHost; url: string }> {
  const host = createSubgraphHost<Context, string>(
    {
      logger,
      schema,
      authenticate: async (request) => {
        const caller = request.headers['x-caller'];
        if (typeof caller !== 'string') throw new UnauthenticatedError('no caller');
        return caller;
      },
      context: ({ requestId, identity }) => ({ requestId, caller: identity }),
      readiness: async (): Promise<HostReadiness> => ({ ready: true, details: { database: 'ok' } }),
      ...overrides,
    },
    { host: '127.0.0.1', port: 0, httpBodyBytesMax: 200, accessLogLevel: 'debug' },
  );
  const port = await host.start();
  return { host, url: `http://127.0.0.1:${port}` };
}

const post = (url: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('the subgraph host', () => {
  let started: { host: SubgraphHost; url: string };
  beforeAll(async () => {
    started = await startHost();
  });
  afterAll(async () => {
    await started.host.stop();
  });

  it('runs GraphQL with the authenticated caller and the request id in the context', async () => {
    const response = await post(started.url, '{"query":"{ caller requestId }"}', { 'x-caller': 'gateway', 'x-request-id': 'req-1' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-1');
    expect(await response.json()).toEqual({ data: { caller: 'gateway', requestId: 'req-1' } });
  });

  it('answers GraphQL uncacheable (no-store, as Apollo without cache hints) with its length, not chunked', async () => {
    for (const query of ['{ caller }', '{ nosuchfield }']) {
      const response = await post(started.url, JSON.stringify({ query }), { 'x-caller': 'gateway' });
      const body = Buffer.from(await response.arrayBuffer());
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('content-length')).toBe(String(body.length));
      expect(response.headers.get('transfer-encoding')).toBeNull();
    }
  });

  it.each<[string, number, string, () => Promise<Response>]>([
    ['no caller', 401, 'UNAUTHENTICATED', () => post(started.url, '{"query":"{ __typename }"}')],
    ['a body that is not JSON', 400, 'BAD_USER_INPUT', () => post(started.url, '{"query":', { 'x-caller': 'gateway' })],
    [
      'a body over httpBodyBytesMax',
      400,
      'BAD_USER_INPUT',
      () => post(started.url, JSON.stringify({ query: `{ __typename ${' '.repeat(300)}}` }), { 'x-caller': 'gateway' }),
    ],
    ['an unknown path', 404, 'NOT_FOUND', () => fetch(`${started.url}/nowhere`)],
    ['/metrics without metricsText', 404, 'NOT_FOUND', () => fetch(`${started.url}/metrics`)],
  ])('%s → %d %s', async (_name, status, code, send) => {
    const response = await send();
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ code, message: expect.any(String) });
  });

  it('answers health: live, and ready with the readiness details', async () => {
    expect(await (await fetch(`${started.url}/health/live`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${started.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', database: 'ok' });
  });
});

describe('the subgraph host, other dependencies', () => {
  it.each<[string, () => Promise<HostReadiness>, unknown]>([
    ['not ready', async () => ({ ready: false, details: { checks: { consumer: false } } }), { status: 'unavailable', checks: { consumer: false } }],
    ['a readiness that throws', async () => Promise.reject(new Error('database is down')), { status: 'unavailable', reason: 'database is down' }],
  ])('%s → 503', async (_name, readiness, body) => {
    const { host, url } = await startHost({ readiness });
    try {
      const response = await fetch(`${url}/health/ready`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual(body);
    } finally {
      await host.stop();
    }
  });

  it('serves /metrics when given the text, and stops its attachment first', async () => {
    const order: string[] = [];
    const { host, url } = await startHost({
      metricsText: () => 'up 1\n',
      attach: () => ({ stop: async () => void order.push('attachment') }),
    });
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toBe('up 1\n');
    await host.stop();
    order.push('host');
    expect(order).toEqual(['attachment', 'host']);
  });

  it('can be stopped when it never started (a service whose start failed earlier)', async () => {
    const host = createSubgraphHost<Context, string>(
      {
        logger,
        schema,
        authenticate: async () => 'x',
        context: ({ requestId }) => ({ requestId, caller: 'x' }),
        readiness: async () => ({ ready: true, details: {} }),
      },
      { host: '127.0.0.1', port: 0, httpBodyBytesMax: 200, accessLogLevel: 'debug' },
    );
    await expect(host.stop()).resolves.toBeUndefined();
  });

  it('can be stopped after a start that failed (port taken)', async () => {
    const first = await startHost();
    const port = Number(new URL(first.url).port);
    const second = createSubgraphHost<Context, string>(
      {
        logger,
        schema,
        authenticate: async () => 'x',
        context: ({ requestId }) => ({ requestId, caller: 'x' }),
        readiness: async () => ({ ready: true, details: {} }),
      },
      { host: '127.0.0.1', port, httpBodyBytesMax: 200, accessLogLevel: 'debug' },
    );
    await expect(second.start()).rejects.toThrow(/EADDRINUSE/);
    await expect(second.stop()).resolves.toBeUndefined();
    await first.host.stop();
  });
});

describe('the subgraph host under tracing', () => {
  it("writes a refusal's warning and its access line inside the request's span (trace_id, span_id)", async () => {
    const { startInMemoryTracing } = await import('../tracing/sdk.js');
    const { createLogger } = await import('../core/index.js');
    const { Writable } = await import('node:stream');
    const tracing = startInMemoryTracing();
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const traced = await startHost({ logger: createLogger({ name: 'host', level: 'debug' }, stream) });
    try {
      const response = await post(traced.url, '{"query":"{ caller }"}', { 'x-request-id': 'req-refused' });
      expect(response.status).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const server = tracing.spans().find((span) => span.kind === SpanKind.SERVER);
      expect(server).toBeDefined();
      const refusal = lines.find((line) => line['msg'] === 'request refused: no valid gateway identity');
      const access = lines.find((line) => line['msg'] === 'request');
      for (const line of [refusal, access]) expect(line).toMatchObject({ requestId: 'req-refused', trace_id: server?.traceId, span_id: server?.spanId });
    } finally {
      await traced.host.stop();
      await tracing.stop();
    }
  });
});
