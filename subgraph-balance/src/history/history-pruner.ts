import type { Logger } from '@walletgraph/platform/core';
import type { HistoryRepository } from './history-repository.js';

export interface HistoryPrunerConfig {
  /** History rows older than this are deleted. */
  readonly ageMsMax: number;
  readonly intervalMs: number;
  /** Rows deleted per round; a backlog is worked off over the following rounds. */
  readonly rowsMax: number;
}

export interface HistoryPruner {
  start(): void;
  stop(): Promise<void>;
  /** One round now (tests, and the first round at start). */
  pruneOnce(now?: Date): Promise<number>;
}

/**
 * The age half of the history retention (the per-account half runs in the projector's
 * transaction). Every instance may prune: deleting rows by age is idempotent.
 */
export function createHistoryPruner(
  deps: { readonly history: Pick<HistoryRepository, 'pruneRecordedBefore'>; readonly logger: Logger },
  config: HistoryPrunerConfig,
): HistoryPruner {
  const logger = deps.logger.child({ component: 'history-pruner' });
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> = Promise.resolve();

  async function pruneOnce(now = new Date()): Promise<number> {
    const deleted = await deps.history.pruneRecordedBefore(new Date(now.getTime() - config.ageMsMax), config.rowsMax);
    if (deleted > 0) logger.info({ deleted, ageMsMax: config.ageMsMax }, 'balance history pruned');
    if (deleted >= config.rowsMax) logger.warn({ rowsMax: config.rowsMax }, 'balance history prune hit its row bound; the rest goes next round');
    return deleted;
  }

  const round = (): void => {
    inFlight = pruneOnce().catch((error: unknown) => logger.warn({ err: error }, 'balance history prune failed; retried next round'));
  };

  return {
    start() {
      if (timer !== undefined) return;
      round();
      timer = setInterval(round, config.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await inFlight;
    },
    pruneOnce,
  };
}
