import { ConfigError, createLogger, installShutdown } from '@walletgraph/platform/core';
import { startTracing } from '@walletgraph/platform/tracing';
import { createBalanceService } from './app.js';
import { loadBalanceConfig } from './config.js';

async function main(): Promise<void> {
  const config = loadBalanceConfig(process.env);
  const logger = createLogger({ name: 'subgraph-balance', level: config.logLevel });
  const tracing = startTracing(config.tracing, logger);
  const service = createBalanceService(config, logger);
  try {
    await service.start();
  } catch (error: unknown) {
    logger.fatal({ err: error }, 'subgraph-balance could not start');
    process.stderr.write(`subgraph-balance: ${error instanceof Error ? error.message : String(error)}\n`);
    await service.stop().catch(() => undefined);
    process.exit(1);
  }
  installShutdown(
    logger,
    [
      { name: 'subgraph-balance', stop: () => service.stop() },
      { name: 'tracing', stop: () => tracing.stop() },
    ],
    config.shutdownDeadlineMs,
  );
  logger.info({ graphqlUrl: service.graphqlUrl, restUrl: service.restUrl }, 'subgraph-balance started');
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`subgraph-balance: ${message}\n`);
  process.exit(1);
});
