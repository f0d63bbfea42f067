import { ConfigError, createLogger, installShutdown, isAppError } from '@walletgraph/platform';
import { createWalletService } from './app.js';
import { loadWalletConfig } from './config.js';

async function main(): Promise<void> {
  const config = loadWalletConfig(process.env);
  const logger = createLogger({ name: 'subgraph-wallet', level: config.logLevel });
  const service = createWalletService(config, logger);
  await service.start();
  installShutdown(logger, [{ name: 'subgraph-wallet', stop: () => service.stop() }], config.shutdownDeadlineMs);
}

main().catch((error: unknown) => {
  const reason = error instanceof ConfigError || isAppError(error) ? error.message : error instanceof Error ? error.message : String(error);
  process.stderr.write(`subgraph-wallet: cannot start: ${reason.replace(/\n/g, '; ')}\n`);
  process.exit(1);
});
