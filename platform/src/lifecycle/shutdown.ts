import type { Logger } from 'pino';

export interface Stoppable {
  readonly name: string;
  stop(): Promise<void>;
}

/**
 * Stops components in the given order (first: stop accepting work; last: close pools),
 * each within the remaining deadline, then exits. A second signal exits at once.
 */
export function installShutdown(logger: Logger, components: readonly Stoppable[], deadlineMs = 10_000): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      const deadlineAt = Date.now() + deadlineMs;
      for (const component of components) {
        const remainingMs = Math.max(0, deadlineAt - Date.now());
        try {
          await Promise.race([
            component.stop(),
            new Promise((_, reject) => setTimeout(() => reject(new Error('shutdown deadline exceeded')), remainingMs).unref()),
          ]);
          logger.debug({ component: component.name }, 'stopped');
        } catch (error: unknown) {
          logger.error({ component: component.name, err: error }, 'stop failed');
        }
      }
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
    void shutdown().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return shutdown;
}
