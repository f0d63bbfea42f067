import type { Logger } from 'pino';

export interface Stoppable {
  readonly name: string;
  stop(): Promise<void>;
}

/**
 * Stops components in the given order (first: stop accepting work; last: close pools),
 * each within the remaining deadline, then exits: 0 when every component stopped, 1 when one
 * failed or overran the deadline (so a supervisor sees an unclean stop). A second signal exits at once.
 * The returned function runs the same shutdown without exiting and resolves to whether it was clean.
 */
export function installShutdown(logger: Logger, components: readonly Stoppable[], deadlineMs = 10_000): () => Promise<boolean> {
  let stopping: Promise<boolean> | undefined;
  const shutdown = (): Promise<boolean> => {
    stopping ??= (async () => {
      const startedAtMs = Date.now();
      const deadlineAt = startedAtMs + deadlineMs;
      let clean = true;
      for (const component of components) {
        const remainingMs = Math.max(0, deadlineAt - Date.now());
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            component.stop(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`shutdown deadline of ${deadlineMs} ms exceeded`)), remainingMs);
              timer.unref();
            }),
          ]);
          logger.debug({ component: component.name }, 'stopped');
        } catch (error: unknown) {
          clean = false;
          logger.error({ component: component.name, err: error }, 'stop failed');
        } finally {
          clearTimeout(timer);
        }
      }
      if (clean) logger.info({ durationMs: Date.now() - startedAtMs }, 'stopped cleanly');
      return clean;
    })();
    return stopping;
  };
  let firstSignalAtMs = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    // A supervisor and a terminal often deliver the same signal twice within moments; only a
    // later, deliberate second signal cuts the graceful shutdown short.
    if (stopping && Date.now() - firstSignalAtMs < 1_000) return;
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    firstSignalAtMs = Date.now();
    logger.info({ signal }, 'shutting down');
    void shutdown().then((clean) => process.exit(clean ? 0 : 1));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return shutdown;
}
