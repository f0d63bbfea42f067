import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { createLogger, DEV_INTERNAL_AUTH_SECRET, INTERNAL_IDENTITY_HEADER, verifyInternalIdentity } from '@walletgraph/platform';
import { createIdentityMinter } from '../auth/internal-identity';
import { createMetrics } from '../http/metrics';
import { createGatewayContext } from '../http/request-context';
import { headersWithConnectionParams } from '../subscriptions/connection-headers';
import { createSubgraphDataSources } from './data-sources';

const logger = createLogger({ name: 'test', level: 'silent' });

describe('subgraph data sources', () => {
  let server: http.Server;
  const received: http.IncomingHttpHeaders[] = [];
  let url: string;
  beforeAll(async () => {
    server = http.createServer((request, response) => {
      received.push(request.headers);
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"data":{"__typename":"Query"}}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the signed identity (never the user token), request id and trace context, over kept-alive sockets, and times fetches', async () => {
    const metrics = createMetrics({ planCacheStats: () => ({ entryCount: 0, sizeBytes: 0, hitCount: 0, missCount: 0, evictionCount: 0 }) });
    const mintIdentity = createIdentityMinter({ internalSecret: DEV_INTERNAL_AUTH_SECRET });
    const sources = createSubgraphDataSources({ metrics, mintIdentity }, { subgraphs: { wallet: { httpUrl: url }, balance: { httpUrl: url, wsUrl: 'ws://127.0.0.1:1/graphql' } }, subgraphTimeoutMs: 2_000, subgraphSocketsMax: 4 });
    const identity = { role: 'client' as const, subject: 'alice', clientId: 'c26425d8-d0f3-4a91-bb96-a1f8fddc3653' };
    const context = createGatewayContext({ authorization: 'Bearer t', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', cookie: 'not forwarded' }, logger, identity);
    const wallet = sources.byName.get('wallet');
    for (let i = 0; i < 2; i += 1) {
      await wallet?.process({ kind: GraphQLDataSourceRequestKind.HEALTH_CHECK, request: { query: '{ __typename }' }, context });
    }
    sources.destroy();
    expect(received[0]?.authorization).toBeUndefined();
    const signed = received[0]?.[INTERNAL_IDENTITY_HEADER];
    expect(typeof signed).toBe('string');
    await expect(verifyInternalIdentity(String(signed), { secret: DEV_INTERNAL_AUTH_SECRET })).resolves.toMatchObject({ ...identity, requestId: context.requestId });
    expect(received[0]).toMatchObject({ 'x-request-id': context.requestId, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', connection: 'keep-alive' });
    expect(received[0]?.cookie).toBeUndefined();
    expect(await metrics.registry.getSingleMetricAsString('gateway_subgraph_fetch_duration_seconds')).toMatch(/_count\{subgraph="wallet",outcome="ok"\} 2/);
  });

  it('takes WebSocket headers from connectionParams when the browser could not send them', () => {
    expect(headersWithConnectionParams({ host: 'x' }, { traceparent: 't1' })).toMatchObject({ traceparent: 't1' });
    expect(headersWithConnectionParams({}, { headers: { TraceParent: 't2', cookie: 'no', authorization: 'Bearer b' } })).toEqual({ traceparent: 't2' });
    expect(createGatewayContext({ 'x-request-id': 'bad id with spaces' }, logger, { role: 'admin', subject: 'a' }).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
