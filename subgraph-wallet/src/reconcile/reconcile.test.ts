// The reconciler against real MariaDB and Kafka: its own databases (so other suites' writes never
// look like drift), its own topics and group, the wallet service (relay) and the balance service
// (projector) running in-process.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createLogger, DEV_INTERNAL_AUTH_SECRET, type Logger } from '@walletgraph/platform/core';
import { applyMigrations, parseMysqlUrl } from '@walletgraph/platform/db';
import { INTERNAL_IDENTITY_HEADER, mintInternalIdentity } from '@walletgraph/platform/auth';
import {
  createKafka,
  KAFKA_PRINCIPALS,
  kafkaAccessNames,
  kafkaCredentialsFromEnv,
  kafkaCredentialVariables,
  provisionWalletgraph,
} from '@walletgraph/platform/kafka';
import { readFile } from 'node:fs/promises';
import { createConnection } from 'mariadb';
import { createWalletService, type WalletService } from '../app.js';
import { loadWalletConfig } from '../config.js';
import { loadReconcileConfig, type ReconcileArgs, type ReconcileConfig } from './config.js';
import { DriftKind } from './compare.js';
import { ExitCode, formatRun, runToJson } from './report.js';
import { runReconcile } from './run.js';

const repoRoot = path.resolve(__dirname, '../../..');
const logger: Logger = createLogger({ name: 'reconcile-test', level: 'silent' });
const LUCAS = '7dfe0fa9-d168-4329-a9ba-ca1b7052fac3';
const SAMUCA = 'c6aee752-9977-46c3-9fa0-29e14f85f73f';
const WAIT_MS = 30_000;

/** The balance service, loaded from its own workspace at run time (no compile-time coupling). */
interface BalanceServiceLike {
  start(): Promise<void>;
  stop(): Promise<void>;
}
interface BalanceModules {
  createBalanceService(config: unknown, logger: Logger): BalanceServiceLike;
  loadBalanceConfig(env: NodeJS.ProcessEnv): unknown;
}
function balanceModules(): BalanceModules {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const app = require(path.join(repoRoot, 'subgraph-balance/src/app')) as Pick<BalanceModules, 'createBalanceService'>;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(path.join(repoRoot, 'subgraph-balance/src/config')) as Pick<BalanceModules, 'loadBalanceConfig'>;
  return { ...app, ...config };
}

/** Every principal's credentials of this run (set by the Jest global setup): each process picks its own. */
const kafkaCredentialEnv = Object.fromEntries(
  KAFKA_PRINCIPALS.flatMap((principal) => [kafkaCredentialVariables(principal).username, kafkaCredentialVariables(principal).password]).flatMap((name) => {
    const value = process.env[name];
    return value === undefined ? [] : [[name, value] as const];
  }),
);

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function run(url: string, statement: string, values: unknown[] = []): Promise<unknown> {
  const t = parseMysqlUrl(url);
  const connection = await createConnection({ host: t.host, port: t.port, user: t.user, password: t.password, database: t.database, multipleStatements: true });
  try {
    return await connection.query(statement, values);
  } finally {
    await connection.end();
  }
}

const suffix = randomUUID().slice(0, 8);
const baseName = parseMysqlUrl(process.env['WALLET_DATABASE_URL'] as string).database.replace(/_wallet$/, '');
const walletUrl = withDatabase(process.env['WALLET_DATABASE_URL'] as string, `${baseName}_rc${suffix}_wallet`.slice(0, 64));
const balanceUrl = withDatabase(process.env['BALANCE_DATABASE_URL'] as string, `${baseName}_rc${suffix}_balance`.slice(0, 64));
const topics = { KAFKA_TOPIC_BALANCES: `rc.balances.${suffix}`, KAFKA_TOPIC_TRANSACTIONS: `rc.transactions.${suffix}` };
const group = `rc-balance-${suffix}`;

let wallet: WalletService;
let balance: BalanceServiceLike;
let config: ReconcileConfig;

const reconcile = (args: Partial<ReconcileArgs> = {}) => runReconcile(config, { repair: false, json: false, waitMs: 0, help: false, ...args }, logger);

async function readModel(accountId: string): Promise<{ amount: string; version: number } | undefined> {
  const rows = (await run(balanceUrl, 'SELECT CAST(amount AS CHAR) AS amount, version FROM balances WHERE account_id = ?', [accountId])) as Array<{
    amount: string;
    version: number;
  }>;
  return rows[0] === undefined ? undefined : { amount: rows[0].amount, version: Number(rows[0].version) };
}

beforeAll(async () => {
  for (const [url, name] of [
    [walletUrl, 'wallet'],
    [balanceUrl, 'balance'],
  ] as const) {
    await applyMigrations(url, path.join(repoRoot, `prisma/${name}/migrations`), logger);
    await run(url, await readFile(path.join(repoRoot, `prisma/seed/${name}.sql`), 'utf8'));
  }
  const brokers = process.env['KAFKA_BROKERS'] as string;
  // This file's topics and group, with the production ACLs for their names (the admin principal).
  const admin = createKafka(
    { brokers: brokers.split(','), clientId: 'reconcile-test-admin', sasl: kafkaCredentialsFromEnv('admin', process.env).sasl },
    logger,
  );
  await provisionWalletgraph(
    admin,
    kafkaAccessNames({
      topics: {
        balances: topics.KAFKA_TOPIC_BALANCES,
        transactions: topics.KAFKA_TOPIC_TRANSACTIONS,
        balancesDeadLetter: `rc.balances.${suffix}.dlq`,
        balancesLive: `rc.balances.${suffix}.live`,
      },
      balanceGroup: group,
      balanceLiveGroupPrefix: `rc-live-${suffix}`,
    }),
  );
  wallet = createWalletService(
    loadWalletConfig({
      ...kafkaCredentialEnv,
      ...topics,
      KAFKA_BROKERS: brokers,
      WALLET_DATABASE_URL: walletUrl,
      WALLET_PORT: '0',
      WALLET_REST_PORT: '0',
      WALLET_HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      OUTBOX_RELAY_IDLE_POLL_MS_MAX: '100',
      OUTBOX_RELAY_BACKOFF_MS_MAX: '500',
    }),
    logger,
  );
  await wallet.start();
  const modules = balanceModules();
  balance = modules.createBalanceService(
    modules.loadBalanceConfig({
      ...kafkaCredentialEnv,
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_BALANCES: topics.KAFKA_TOPIC_BALANCES,
      BALANCE_DATABASE_URL: balanceUrl,
      BALANCE_PORT: '0',
      BALANCE_REST_PORT: '0',
      BALANCE_HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      BALANCE_CONSUMER_GROUP: group,
      BALANCE_LIVE_GROUP_PREFIX: `rc-live-${suffix}`,
      KAFKA_TOPIC_BALANCES_DLQ: `rc.balances.${suffix}.dlq`,
      KAFKA_TOPIC_BALANCES_LIVE: `rc.balances.${suffix}.live`,
      CONSUMER_SESSION_TIMEOUT_MS: '10000',
      CONSUMER_HEARTBEAT_INTERVAL_MS: '1000',
      CONSUMER_COMMIT_INTERVAL_MS: '200',
      RETRY_DELAY_MS_INITIAL: '20',
      RETRY_DELAY_MS_MAX: '200',
      DATABASE_POOL_SIZE_MAX: '2',
    }),
    logger,
  );
  await balance.start();
  config = loadReconcileConfig({
    ...kafkaCredentialEnv,
    ...topics,
    WALLET_DATABASE_URL: walletUrl,
    BALANCE_DATABASE_URL: balanceUrl,
    KAFKA_BROKERS: brokers,
    RECONCILE_CONSUMER_GROUP: group,
    RECONCILE_POLL_INTERVAL_MS: '200',
    RECONCILE_PAGE_SIZE_MAX: '2',
  });
  // Some traffic, so versions move past the seed.
  const response = await fetch(wallet.graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      // The subgraph trusts only the gateway's signed identity; the test runs on the dev secret.
      [INTERNAL_IDENTITY_HEADER]: await mintInternalIdentity({ role: 'admin', subject: 'reconcile-test' }, { secret: DEV_INTERNAL_AUTH_SECRET }),
    },
    body: JSON.stringify({
      query: 'mutation($i: CreateTransactionInput!) { createTransaction(input: $i) { id } }',
      variables: { i: { accountIdFrom: LUCAS, accountIdTo: SAMUCA, amount: '5', idempotencyKey: `rc-${suffix}` } },
    }),
  });
  expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
}, 60_000);

afterAll(async () => {
  await balance?.stop();
  await wallet?.stop();
  for (const url of [walletUrl, balanceUrl]) await run(url, `DROP DATABASE IF EXISTS \`${parseMysqlUrl(url).database}\``);
});

it('reports a settled, consistent system with exit 0', async () => {
  const result = await reconcile({ waitMs: WAIT_MS });
  expect(result.report).toMatchObject({ consistent: true, settled: true, driftCount: 0, walletAccountCount: 2, readModelRowCount: 2 });
  expect(result.report.outbox.unpublishedCount).toBe(0);
  expect(result.report.lag).toMatchObject({ available: true, totalLag: 0 });
  expect(result.exitCode).toBe(ExitCode.consistent);
  expect(formatRun(result)).toMatch(/result: CONSISTENT/);
});

it('reports the lag as unavailable, never as zero, where the reconciler principal may not describe the topic', async () => {
  // `transactions` exists, but the reconciler's ACLs name only its balances topic and group.
  const result = await runReconcile(
    { ...config, topics: { ...config.topics, balances: 'transactions' } },
    { repair: false, json: false, waitMs: 0, help: false },
    logger,
  );
  expect(result.report.lag).toMatchObject({ available: false, error: expect.stringMatching(/not authorized to describe topic transactions/) });
  expect(result.report.settled).toBe(false);
});

it('finds a tampered read model (exit 2) and names each account and both sides', async () => {
  const lucas = (await readModel(LUCAS)) as { amount: string; version: number };
  await run(balanceUrl, 'UPDATE balances SET amount = amount + 7 WHERE account_id = ?', [LUCAS]);
  await run(balanceUrl, 'DELETE FROM balances WHERE account_id = ?', [SAMUCA]);
  const result = await reconcile();
  expect(result.exitCode).toBe(ExitCode.drift);
  expect(result.report.drifts).toEqual([
    {
      accountId: LUCAS,
      kind: DriftKind.balanceMismatch,
      wallet: { balance: '995', version: lucas.version },
      readModel: { balance: '1002', version: lucas.version },
    },
    { accountId: SAMUCA, kind: DriftKind.missing, wallet: { balance: '1005', version: 2 }, readModel: null },
  ]);
  const text = formatRun(result);
  expect(text).toMatch(/DRIFT in 2 account/);
  expect(text).toMatch(new RegExp(`${SAMUCA}\\s+missing\\s+1005\\s+2\\s+missing`));
  expect(JSON.parse(runToJson(result))).toMatchObject({ exitCode: 2, consistent: false, report: { driftCount: 2 } });
});

it('--repair re-emits through the outbox and the running consumer makes it consistent again', async () => {
  await run(balanceUrl, 'UPDATE balances SET version = 40 WHERE account_id = ?', [LUCAS]);
  const result = await reconcile({ repair: true, waitMs: WAIT_MS });
  expect(result.before?.driftCount).toBe(2);
  expect(result.repairs).toEqual([
    expect.objectContaining({ accountId: LUCAS, outcome: 'reemitted', version: 41, balance: '995' }),
    expect.objectContaining({ accountId: SAMUCA, outcome: 'reemitted', version: 3, balance: '1005' }),
  ]);
  if (!result.report.settled) process.stderr.write(`${formatRun(result)}\n`);
  expect(result.report).toMatchObject({ consistent: true, settled: true });
  expect(result.exitCode).toBe(ExitCode.consistent);
  expect(await readModel(LUCAS)).toEqual({ amount: '995.0000', version: 41 });
  expect(await readModel(SAMUCA)).toEqual({ amount: '1005.0000', version: 3 });
  // The relay published the repair events: nothing is left behind.
  expect((await reconcile()).report.outbox.unpublishedCount).toBe(0);
});
