// Wiring only: config, logger, the gateway (or its workers), ordered shutdown.
import cluster from 'node:cluster';
import { ConfigError, createLogger, installShutdown } from '@walletgraph/platform/core';
import { startTracing } from '@walletgraph/platform/tracing';
import { createGateway } from './app.js';
import { loadGatewayConfig } from './config.js';
import { runPrimary } from './cluster.js';
import { applyHeapGrowth } from './heap.js';

async function main(): Promise<void> {
  const config = loadGatewayConfig(process.env);
  const logger = createLogger({ name: 'gateway', level: config.logLevel });
  // Before any load, in the primary and in every worker (each runs this): see heap.ts.
  applyHeapGrowth(config.heapGrowingPercent);
  if (config.workers > 1 && cluster.isPrimary) {
    runPrimary({ logger }, { workers: config.workers, shutdownDeadlineMs: config.shutdownDeadlineMs, rateLimit: config.rateLimit });
    return;
  }
  // Each worker traces itself (the primary serves no requests).
  const tracing = startTracing(config.tracing, logger);
  const gateway = createGateway(config, cluster.isWorker ? logger.child({ workerId: cluster.worker?.id }) : logger);
  installShutdown(
    logger,
    [
      { name: 'gateway', stop: () => gateway.stop() },
      { name: 'tracing', stop: () => tracing.stop() },
    ],
    config.shutdownDeadlineMs,
  );
  await gateway.start();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
