import { ConfigError, envField, parseEnv } from '@walletgraph/platform/core';
import { kafkaCredentialFields, refineKafkaCredentials, resolveKafkaAuth, type KafkaAuthConfig } from '@walletgraph/platform/kafka';
import { z } from 'zod';
import { walletStoreEnvFields } from '../config.js';

const schema = z
  .object({
    NODE_ENV: z.string().default('development'),
    ...walletStoreEnvFields,
    ...kafkaCredentialFields('reconciler'),
    BALANCE_DATABASE_URL: envField.mysqlUrl('mysql://root@127.0.0.1:3306/ms_balance'),
    RECONCILE_CONSUMER_GROUP: z.string().min(1).max(200).default('walletgraph-balance'),
    RECONCILE_PAGE_SIZE_MAX: envField.positiveInt(1_000, 10_000),
    RECONCILE_DRIFT_REPORT_MAX: envField.positiveInt(1_000, 100_000),
    RECONCILE_POLL_INTERVAL_MS: envField.positiveInt(500, 60_000),
    RECONCILE_KAFKA_TIMEOUT_MS: envField.positiveInt(5_000, 120_000),
    RECONCILE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('error'),
  })
  .superRefine((env, ctx) => refineKafkaCredentials('reconciler', env, ctx));

export interface ReconcileConfig {
  readonly walletDatabaseUrl: string;
  readonly balanceDatabaseUrl: string;
  readonly kafkaBrokers: readonly string[];
  /** SASL/SCRAM credentials of the `reconciler` principal: it may only describe `balances` and the projector's group. */
  readonly kafkaAuth: KafkaAuthConfig;
  readonly topics: { readonly balances: string; readonly transactions: string };
  /** Consumer group whose lag on the balances topic is reported (the balance projector's). */
  readonly consumerGroup: string;
  /** Accounts read per query while walking both databases. */
  readonly pageSizeMax: number;
  /** Drifted accounts listed (and repaired) per run; beyond it they are only counted. */
  readonly driftReportMax: number;
  /** Pause between two checks while --wait-ms waits for convergence. */
  readonly pollIntervalMs: number;
  /** Kafka connection and request timeout of the lag query. */
  readonly kafkaTimeoutMs: number;
  /** pino level of the (stderr) log; stdout carries only the report. */
  readonly logLevel: string;
}

/** The only reader of the environment in the reconciler; throws ConfigError listing every problem. */
export function loadReconcileConfig(env: NodeJS.ProcessEnv): ReconcileConfig {
  const e = parseEnv('reconcile', schema, env);
  return {
    walletDatabaseUrl: e.WALLET_DATABASE_URL,
    balanceDatabaseUrl: e.BALANCE_DATABASE_URL,
    kafkaBrokers: e.KAFKA_BROKERS,
    kafkaAuth: resolveKafkaAuth('reconciler', e),
    topics: { balances: e.KAFKA_TOPIC_BALANCES, transactions: e.KAFKA_TOPIC_TRANSACTIONS },
    consumerGroup: e.RECONCILE_CONSUMER_GROUP,
    pageSizeMax: e.RECONCILE_PAGE_SIZE_MAX,
    driftReportMax: e.RECONCILE_DRIFT_REPORT_MAX,
    pollIntervalMs: e.RECONCILE_POLL_INTERVAL_MS,
    kafkaTimeoutMs: e.RECONCILE_KAFKA_TIMEOUT_MS,
    logLevel: e.RECONCILE_LOG_LEVEL,
  };
}

export interface ReconcileArgs {
  readonly repair: boolean;
  readonly json: boolean;
  /** Longest wait for lag, outbox backlog and drift to reach zero before the verdict; 0 = one check. */
  readonly waitMs: number;
  readonly help: boolean;
}

/** Longest --wait-ms accepted: one hour. */
export const WAIT_MS_MAX = 3_600_000;

export const USAGE = `usage: npm run reconcile -- [--repair] [--json] [--wait-ms N]

Compares every wallet account (balance, version) with the balance read model, reports the
outbox backlog and the balance consumer's lag.
  --repair     re-emit a BalanceUpdated for each drifted account through the wallet outbox
  --json       print the report as JSON
  --wait-ms N  wait up to N ms for the outbox backlog and consumer lag to drain before comparing
               (with --repair, also for the repair events to be applied before the verdict)
exit: 0 consistent (or repaired and verified), 2 drift, 1 error
env: WALLET_DATABASE_URL, BALANCE_DATABASE_URL, KAFKA_BROKERS, KAFKA_RECONCILER_USERNAME (reconciler),
     KAFKA_RECONCILER_PASSWORD (required in production), KAFKA_TOPIC_BALANCES,
     RECONCILE_CONSUMER_GROUP (walletgraph-balance), RECONCILE_PAGE_SIZE_MAX, RECONCILE_DRIFT_REPORT_MAX,
     RECONCILE_POLL_INTERVAL_MS, RECONCILE_KAFKA_TIMEOUT_MS`;

/** Parses the command line; unknown flags are a ConfigError (exit 1), never ignored. */
export function parseReconcileArgs(argv: readonly string[]): ReconcileArgs {
  let repair = false;
  let json = false;
  let help = false;
  let waitMs = 0;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    const [name, inline] = arg.startsWith('--wait-ms=') ? ['--wait-ms', arg.slice('--wait-ms='.length)] : [arg, undefined];
    if (name === '--repair') repair = true;
    else if (name === '--json') json = true;
    else if (name === '--help' || name === '-h') help = true;
    else if (name === '--wait-ms') {
      const text = inline ?? argv[(index += 1)];
      if (text === undefined || !/^\d{1,10}$/.test(text) || Number(text) > WAIT_MS_MAX) {
        throw new ConfigError(`--wait-ms needs a whole number of milliseconds up to ${WAIT_MS_MAX}`);
      }
      waitMs = Number(text);
    } else throw new ConfigError(`unknown argument: ${arg}\n${USAGE}`);
  }
  return { repair, json, waitMs, help };
}
