import { ConfigError, createLogger, installShutdown, isAppError } from '@walletgraph/platform/core';
import { startTracing } from '@walletgraph/platform/tracing';
import pino from 'pino';
import { createWalletService } from './app.js';
import { loadWalletConfig } from './config.js';

async function main(): Promise<void> {
  const config = loadWalletConfig(process.env);
  // Asynchronous stdout: a synchronous write per log line (one access line per request) cost ~4% of
  // the CPU under transfer load; lines written while one write is in flight go out together.
  const destination = pino.destination({ dest: 1, sync: false });
  process.on('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // A write still in flight at exit: its lines are what we lose, as with any crash.
    }
  });
  const logger = createLogger({ name: 'subgraph-wallet', level: config.logLevel }, destination);
  const tracing = startTracing(config.tracing, logger);
  const service = createWalletService(config, logger);
  await service.start();
  installShutdown(
    logger,
    [
      { name: 'subgraph-wallet', stop: () => service.stop() },
      { name: 'tracing', stop: () => tracing.stop() },
    ],
    config.shutdownDeadlineMs,
  );
}

main().catch((error: unknown) => {
  const reason = error instanceof ConfigError || isAppError(error) ? error.message : error instanceof Error ? error.message : String(error);
  process.stderr.write(`subgraph-wallet: cannot start: ${reason.replace(/\n/g, '; ')}\n`);
  process.exit(1);
});
