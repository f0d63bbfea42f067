import { Writable } from 'node:stream';
import { createLogger } from './logger.js';
import { REDACTED, redactSecrets } from './redact.js';

describe('redactSecrets', () => {
  it('returns a clean object itself: no copy', () => {
    const clean = { requestId: 'r-1', nested: { status: 200, headers: { accept: 'application/json' } }, list: [1, 2] };
    expect(redactSecrets(clean)).toBe(clean);
  });

  it('censors secrets at the top, one level down and in headers one level down, without touching the original', () => {
    const original = {
      authorization: 'Bearer top',
      token: 't',
      config: { password: 'p', sasl: { mechanism: 'scram-sha-512', password: 'x' }, host: 'h' },
      request: { headers: { authorization: 'Bearer deep', 'x-walletgraph-identity': 'signed', cookie: 'c', accept: 'json' }, url: '/graphql' },
      headers: { Authorization: 'Bearer h' },
      kept: 'visible',
    };
    const snapshot = structuredClone(original);
    const redacted = redactSecrets(original);
    expect(redacted).toEqual({
      authorization: REDACTED,
      token: REDACTED,
      config: { password: REDACTED, sasl: REDACTED, host: 'h' },
      request: { headers: { authorization: REDACTED, 'x-walletgraph-identity': REDACTED, cookie: REDACTED, accept: 'json' }, url: '/graphql' },
      headers: { Authorization: REDACTED },
      kept: 'visible',
    });
    expect(original).toEqual(snapshot);
  });

  it('keeps an Error an Error (message, stack, class) when it censors one of its properties', () => {
    class KafkaFailure extends Error {}
    const error = Object.assign(new KafkaFailure('broker down'), { sasl: { password: 'x' }, broker: 'b1' });
    const redacted = redactSecrets({ err: error }).err as KafkaFailure & { sasl: unknown; broker: string };
    expect(redacted).not.toBe(error);
    expect(redacted).toBeInstanceOf(KafkaFailure);
    expect(redacted.message).toBe('broker down');
    expect(redacted.stack).toBe(error.stack);
    expect(redacted.sasl).toBe(REDACTED);
    expect(redacted.broker).toBe('b1');
    expect(error.sasl).toEqual({ password: 'x' });
  });

  it('censors inside arrays one level down and keeps them arrays', () => {
    const redacted = redactSecrets({ items: [{ token: 'a' }, 'plain'], list: { 0: 'x', secret: 's' } });
    expect(redacted.items).toEqual([{ token: 'a' }, 'plain']);
    expect(redacted.list).toEqual({ 0: 'x', secret: REDACTED });
  });
});

describe('createLogger', () => {
  function capture() {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    return { logger: createLogger({ name: 'test', level: 'info' }, stream), lines };
  }

  it('writes no secret from a line, its bindings or a logged error', async () => {
    const { logger, lines } = capture();
    const child = logger.child({ requestId: 'r-1', headers: { authorization: 'Bearer in-binding' } });
    child.info({ connectionParams: { token: 'in-params' }, payload: { secret: 'in-payload' }, req: { headers: { cookie: 'in-cookie' } } }, 'line');
    child.child({ level2: true, token: 'in-grandchild' }).info('deeper');
    child.error({ err: Object.assign(new Error('failed'), { password: 'in-error' }) }, 'failed');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(3);
    for (const secret of ['in-binding', 'in-grandchild', 'in-params', 'in-payload', 'in-cookie', 'in-error']) expect(lines.join('\n')).not.toContain(secret);
    const [first, deeper, second] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(first).toMatchObject({ requestId: 'r-1', headers: { authorization: REDACTED }, connectionParams: REDACTED, msg: 'line' });
    expect(deeper).toMatchObject({ level2: true, token: REDACTED, msg: 'deeper' });
    expect(second).toMatchObject({ err: { message: 'failed', password: REDACTED, type: 'Error' }, msg: 'failed' });
  });
});
