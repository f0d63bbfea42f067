import pino from 'pino';
import { installShutdown, type Stoppable } from './shutdown';

const silent = pino({ level: 'silent' });

/** installShutdown adds SIGINT/SIGTERM listeners; each test removes the ones it added. */
function withShutdown(components: readonly Stoppable[], deadlineMs: number): { run: () => Promise<boolean>; restore: () => void } {
  const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  const run = installShutdown(silent, components, deadlineMs);
  const restore = (): void => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal)) if (!before[signal].includes(listener)) process.removeListener(signal, listener);
    }
  };
  return { run, restore };
}

describe('installShutdown', () => {
  it('stops every component in order and reports a clean stop', async () => {
    const order: string[] = [];
    const { run, restore } = withShutdown(
      ['http', 'consumer', 'pool'].map((name) => ({ name, stop: async () => void order.push(name) })),
      1_000,
    );
    try {
      await expect(run()).resolves.toBe(true);
      expect(order).toEqual(['http', 'consumer', 'pool']);
    } finally {
      restore();
    }
  });

  it('a failing component makes the stop unclean, and the later ones still stop', async () => {
    const stopped: string[] = [];
    const { run, restore } = withShutdown(
      [
        { name: 'http', stop: async () => Promise.reject(new Error('boom')) },
        { name: 'pool', stop: async () => void stopped.push('pool') },
      ],
      1_000,
    );
    try {
      await expect(run()).resolves.toBe(false);
      expect(stopped).toEqual(['pool']);
    } finally {
      restore();
    }
  });

  it('a component that never finishes is cut off at the deadline: unclean', async () => {
    const { run, restore } = withShutdown([{ name: 'stuck', stop: () => new Promise<void>(() => undefined) }], 50);
    try {
      await expect(run()).resolves.toBe(false);
    } finally {
      restore();
    }
  });

  it('runs once however often it is asked', async () => {
    let stops = 0;
    const { run, restore } = withShutdown([{ name: 'once', stop: async () => void (stops += 1) }], 1_000);
    try {
      await Promise.all([run(), run()]);
      expect(stops).toBe(1);
    } finally {
      restore();
    }
  });
});
