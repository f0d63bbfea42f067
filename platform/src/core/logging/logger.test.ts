import { Writable } from 'node:stream';
import { createLogger, lazyChildLogger } from './logger.js';

function capture(level = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ name: 'test', level }, stream), lines };
}

describe('lazyChildLogger', () => {
  it('makes the child only when something uses it, and then logs exactly as the child would', async () => {
    const { logger, lines } = capture();
    const child = jest.spyOn(logger, 'child');
    let bound = 0;
    const lazy = lazyChildLogger(logger, () => {
      bound += 1;
      return { requestId: 'r-1', authorization: 'Bearer secret' };
    });
    expect(child).not.toHaveBeenCalled();
    expect(bound).toBe(0);
    lazy.info({ status: 200 }, 'request');
    lazy.warn('again');
    await new Promise((resolve) => setImmediate(resolve));
    expect(child).toHaveBeenCalledTimes(1);
    expect(bound).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', requestId: 'r-1', authorization: '[redacted]', status: 200, msg: 'request' }),
      expect.objectContaining({ level: 'warn', requestId: 'r-1', msg: 'again' }),
    ]);
    expect(lazy.isLevelEnabled('debug')).toBe(false);
  });
});
