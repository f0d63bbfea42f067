import type { Logger } from '@walletgraph/platform/core';
import { createGatewayContext } from './request-context';

/** A logger that counts the children made of it. */
function countingLogger(): { readonly logger: Logger; readonly bindings: Array<Record<string, unknown>> } {
  const bindings: Array<Record<string, unknown>> = [];
  const logger = { child: (b: Record<string, unknown>) => (bindings.push(b), logger) } as unknown as Logger;
  return { logger, bindings };
}

/** What Apollo Server does to the context of every request (ApolloServer.ts, cloneObject). */
const cloneAsApolloDoes = <T extends object>(object: T): T => Object.assign(Object.create(Object.getPrototypeOf(object) as object) as T, object);

describe('gateway context', () => {
  it("makes no child logger when Apollo Server copies it, only on the logger's first use", () => {
    const { logger, bindings } = countingLogger();
    const context = createGatewayContext({ 'x-request-id': 'req-1' }, logger, { role: 'admin', subject: 'ops' });
    const copy = cloneAsApolloDoes(context);
    expect(bindings).toHaveLength(0);
    expect(copy.requestId).toBe('req-1');
    expect(copy.identity).toEqual({ role: 'admin', subject: 'ops' });
    expect(copy.forwardedHeaders).toEqual({ 'x-request-id': 'req-1' });
    expect(copy.logger).toBe(logger);
    expect(copy.logger).toBe(logger);
    expect(bindings).toEqual([{ requestId: 'req-1', identity: { role: 'admin', subject: 'ops' } }]);
  });
});
