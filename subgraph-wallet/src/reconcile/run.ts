import { createLogger, type Logger } from '@walletgraph/platform/core';
import { createKafka } from '@walletgraph/platform/kafka';
import type { Admin } from 'kafkajs';
import type { Connection } from 'mariadb';
import pino from 'pino';
import type { ReconcileArgs, ReconcileConfig } from './config.js';
import { createReconciler } from './reconciler.js';
import { ExitCode, type RunResult } from './report.js';
import { connect } from './store.js';

interface Resources {
  readonly wallet: Connection;
  readonly balance: Connection;
  readonly admin: Admin;
}

async function open(config: ReconcileConfig, logger: Logger): Promise<Resources> {
  const wallet = await connect(config.walletDatabaseUrl);
  const balance = await connect(config.balanceDatabaseUrl).catch(async (error: unknown) => {
    await wallet.end();
    throw error;
  });
  const kafka = createKafka(
    {
      brokers: config.kafkaBrokers,
      clientId: 'walletgraph-reconcile',
      sasl: config.kafkaAuth.sasl,
      connectionTimeoutMs: config.kafkaTimeoutMs,
      requestTimeoutMs: config.kafkaTimeoutMs,
    },
    logger,
  );
  // Connected lazily by the first admin call: an unreachable broker shows as "lag unavailable".
  return { wallet, balance, admin: kafka.admin() };
}

async function close(resources: Resources): Promise<void> {
  await resources.admin.disconnect().catch(() => undefined);
  await resources.wallet.end().catch(() => undefined);
  await resources.balance.end().catch(() => undefined);
}

/** The reconciler's log goes to stderr so stdout carries only the report (and valid JSON with --json). */
export function reconcileLogger(level: string): Logger {
  return createLogger({ name: 'reconcile', level }, pino.destination(2));
}

/**
 * One reconcile run: check (waiting up to --wait-ms to settle), then with --repair re-emit the
 * drifted accounts and, when --wait-ms allows, verify. Exit 0 consistent, 2 drift; errors throw.
 */
export async function runReconcile(config: ReconcileConfig, args: ReconcileArgs, logger: Logger): Promise<RunResult> {
  const resources = await open(config, logger);
  try {
    const reconciler = createReconciler(resources, {
      topics: config.topics,
      consumerGroup: config.consumerGroup,
      pageSizeMax: config.pageSizeMax,
      driftReportMax: config.driftReportMax,
      pollIntervalMs: config.pollIntervalMs,
    });
    const startedAt = Date.now();
    const report = await reconciler.checkUntilSettled(args.waitMs);
    if (report.consistent) return { exitCode: ExitCode.consistent, report };
    if (!args.repair) return { exitCode: ExitCode.drift, report };
    const repairs = await reconciler.repair(report.drifts);
    const remainingMs = Math.max(0, args.waitMs - (Date.now() - startedAt));
    if (remainingMs === 0) return { exitCode: ExitCode.drift, report, before: report, repairs, repairPending: true };
    const after = await reconciler.checkUntilSettled(remainingMs);
    return { exitCode: after.consistent ? ExitCode.consistent : ExitCode.drift, report: after, before: report, repairs, repairPending: false };
  } finally {
    await close(resources);
  }
}
