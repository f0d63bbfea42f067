import { ConfigError, isAppError } from '@walletgraph/platform/core';
import { loadReconcileConfig, parseReconcileArgs, USAGE } from './config.js';
import { ExitCode, formatRun, runToJson } from './report.js';
import { reconcileLogger, runReconcile } from './run.js';

async function main(): Promise<number> {
  const args = parseReconcileArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return ExitCode.consistent;
  }
  const config = loadReconcileConfig(process.env);
  const result = await runReconcile(config, args, reconcileLogger(config.logLevel));
  process.stdout.write(`${args.json ? runToJson(result) : formatRun(result)}\n`);
  return result.exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Operating errors (config, database, broker) are one line; an unexpected error keeps its stack.
    const operating = error instanceof ConfigError || isAppError(error) || (error instanceof Error && 'code' in error);
    const reason = error instanceof Error ? (operating ? error.message : (error.stack ?? error.message)) : String(error);
    process.stderr.write(`reconcile: ${reason}\n`);
    process.exitCode = ExitCode.error;
  },
);
