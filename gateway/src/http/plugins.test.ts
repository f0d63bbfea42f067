import type { GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { createLogger } from '@walletgraph/platform/core';
import { createMetrics } from '../metrics/metrics';
import { createObservabilityPlugin } from './plugins';
import type { GatewayContext } from '../context/request-context';

const logger = createLogger({ name: 'plugins-test', level: 'silent' });

async function sendResponseWith(errors: readonly unknown[], contextValue = { logger } as unknown as GatewayContext, gatewayLogger = logger) {
  const metrics = createMetrics({ planCacheStats: () => ({ sizeBytes: 0, entryCount: 0, hitCount: 0, missCount: 0, evictionCount: 0 }) });
  const plugin = createObservabilityPlugin({ metrics, logger: gatewayLogger });
  const listener = await plugin.requestDidStart?.({ contextValue } as never);
  const requestContext = { errors, operationName: 'Read', contextValue, response: { body: { kind: 'single', singleResult: { data: null } }, http: {} } };
  await listener?.willSendResponse?.(requestContext as unknown as GraphQLRequestContextWillSendResponse<GatewayContext>);
  return await metrics.registry.getSingleMetricAsString('gateway_requests_total');
}

describe('observability plugin', () => {
  // A subgraph fetch that fails on the socket reaches the errors list as a plain Error; reading
  // `extensions.code` of it threw, and Apollo answered HTTP 500 instead of the partial result.
  it.each([
    ['a plain Error (broken subgraph socket)', [Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })]],
    ['an object without extensions', [{ message: 'odd' }]],
    ['extensions that are not an object', [{ message: 'odd', extensions: 'x' }]],
    ['null and a string', [null, 'boom']],
  ])('never throws on %s, and counts the operation as failed', async (_name, errors) => {
    await expect(sendResponseWith(errors)).resolves.toContain('gateway_requests_total{operation_type="unknown",outcome="error"} 1');
  });

  it('counts a clean operation as ok', async () => {
    await expect(sendResponseWith([])).resolves.toContain('outcome="ok"} 1');
    await expect(sendResponseWith([new GraphQLError('x', { extensions: { code: 'NOT_FOUND' } })])).resolves.toContain('outcome="error"} 1');
  });

  // The request's logger is a child made on first use (context/request-context.ts); at the
  // production bench's level (warn) the line is never written, so no child is made for it.
  it('writes the operation line only when info is enabled, without touching the request logger otherwise', async () => {
    const lines: string[] = [];
    const sink = { write: (line: string) => lines.push(line) };
    for (const level of ['warn', 'info'] as const) {
      const gatewayLogger = createLogger({ name: 'plugins-test', level }, sink);
      let made = 0;
      const contextValue = {
        get logger() {
          made += 1;
          return gatewayLogger;
        },
      } as unknown as GatewayContext;
      await sendResponseWith([], contextValue, gatewayLogger);
      expect({ level, made }).toEqual({ level, made: level === 'info' ? 1 : 0 });
    }
    expect(lines.filter((line) => line.includes('graphql operation'))).toHaveLength(1);
  });
});
