// The chaos suite on a three-broker Kafka (issue 15): three combined broker+controller nodes,
// replication factor 3, min.insync.replicas 2, unclean leader election off, SASL/SCRAM and ACLs,
// the wallet's idempotent acks=all relay. Under a steady transfer load through the gateway (SDK),
// with balance subscriptions open: SIGKILL the leader of the `balances` partitions, SIGKILL the
// active controller, then restart all three brokers one at a time. Each scenario checks the five
// invariants, that every subscriber saw its versions in order and ends on the read model's, and
// records the time to first success (fault → a transfer made after it projected into the read
// model, through the whole pipeline) and to convergence. Figures: chaos/results/kafka-cluster.json.
import { randomUUID } from 'node:crypto';
import { createConnection } from 'mariadb';
import { startCluster, RECOVERY_TIMEOUT_MS, TOPICS, type Cluster } from './support/cluster';
import { loadChaosSettings } from './support/env';
import { summaryTable, writeResults, type ScenarioFigures } from './support/figures';
import type { Violation } from './support/invariants';
import { createScenarioRunner, expectClean, stopAllLoads } from './support/scenario';
import { watchBalance, type WatchedBalance } from './support/subscriptions';
import { chaosWallet, outcomeOf } from './support/wallet';

const settings = loadChaosSettings();
const figures: ScenarioFigures[] = [];
const suiteStartedAt = new Date();
let cluster: Cluster;
const runScenario = createScenarioRunner({ cluster: () => cluster, settings, figures });

/** Transfers started per second while a fault of unknown length runs (about 3 callers busy). */
const STEADY_LOAD_PER_S = 10;
const WATCHED_ACCOUNTS = 4;
const SUBSCRIBERS_CONVERGE_MS = 20_000;
/** Per scenario, set on each test: the root Jest run's 60 s default applies to every project. */
const SCENARIO_TIMEOUT_MS = 300_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function query<T>(url: string, statement: string, values: unknown[]): Promise<T> {
  const u = new URL(url);
  const connection = await createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
  });
  try {
    return await connection.query<T>(statement, values);
  } finally {
    await connection.end();
  }
}

/**
 * Time to first success: from `sinceMs` until a probe transfer made now is in the read model, i.e.
 * the outbox relay wrote it to a `balances` leader (acks=all, two in-sync replicas) and the
 * projector applied it. The transfer itself is acknowledged at once (the outbox decouples it).
 */
async function firstProjectionMs(sinceMs: number): Promise<number> {
  const [from, to] = cluster.accounts.probe;
  const wallet = chaosWallet(cluster.gatewayUrl);
  const sent = await outcomeOf(() =>
    wallet.transfer({ accountIdFrom: from, accountIdTo: to, amount: '0.01', idempotencyKey: `first-success-${randomUUID()}` }),
  );
  if (!sent.ok) throw new Error(`probe transfer failed during the fault: ${sent.code}`);
  const [account] = await query<Array<{ version: number }>>(cluster.direct.WALLET_DATABASE_URL, 'SELECT version FROM accounts WHERE id = ?', [from]);
  const version = Number(account?.version);
  const deadline = Date.now() + RECOVERY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const [row] = await query<Array<{ version: number }>>(cluster.direct.BALANCE_DATABASE_URL, 'SELECT version FROM balances WHERE account_id = ?', [from]);
    if (row !== undefined && Number(row.version) >= version) return Date.now() - sinceMs;
    await sleep(50);
  }
  throw new Error(`the probe transfer (v${version}) was not projected within ${RECOVERY_TIMEOUT_MS} ms`);
}

/**
 * Subscribers (graphql-ws through the gateway, no client retry) on load accounts: each must have
 * seen strictly increasing versions, and end on the read model's version once it converged.
 */
async function subscriberViolations(watched: readonly WatchedBalance[]): Promise<{ violations: Violation[]; extra: Record<string, unknown> }> {
  const violations: Violation[] = [];
  const finalVersions = Object.fromEntries(
    (
      await query<Array<{ account_id: string; version: number }>>(
        cluster.direct.BALANCE_DATABASE_URL,
        'SELECT account_id, version FROM balances WHERE account_id IN (?)',
        [watched.map((w) => w.accountId)],
      )
    ).map((r) => [r.account_id, Number(r.version)]),
  );
  const deadline = Date.now() + SUBSCRIBERS_CONVERGE_MS;
  while (Date.now() < deadline && watched.some((w) => w.lastVersion() < (finalVersions[w.accountId] ?? -1))) await sleep(100);
  const delivered: Record<string, number> = {};
  for (const w of watched) {
    const versions = w.versions();
    delivered[w.accountId] = versions.length;
    const outOfOrder = versions.findIndex((v, i) => i > 0 && v <= (versions[i - 1] as number));
    if (outOfOrder >= 0)
      violations.push({ invariant: 4, detail: `subscriber of ${w.accountId} saw v${versions[outOfOrder]} after v${versions[outOfOrder - 1]}` });
    if (w.lastVersion() !== finalVersions[w.accountId]) {
      violations.push({ invariant: 4, detail: `subscriber of ${w.accountId} ended on v${w.lastVersion()}, the read model on v${finalVersions[w.accountId]}` });
    }
  }
  return { violations, extra: { subscriberUpdates: delivered } };
}

/** A scenario with subscribers open on the first load accounts for its whole length. */
async function withSubscribers(run: (watched: readonly WatchedBalance[]) => Promise<ScenarioFigures>): Promise<ScenarioFigures> {
  const watched = cluster.accounts.load.slice(0, WATCHED_ACCOUNTS).map((id) => watchBalance(cluster.gatewayWsUrl, id));
  try {
    return await run(watched);
  } finally {
    await Promise.all(watched.map((w) => w.close()));
  }
}

beforeAll(async () => {
  cluster = await startCluster(settings, { brokerCount: 3 });
}, 300_000);

afterAll(async () => {
  const file = writeResults(
    figures,
    {
      startedAt: suiteStartedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      brokers: 3,
      settings: { ...settings, mariaDbUrl: undefined },
      logDir: cluster?.logDir,
    },
    'kafka-cluster.json',
  );
  const firstSuccess = figures
    .map(
      (f) =>
        `${f.scenario}: first success ${typeof f.extra['firstSuccessMs'] === 'number' ? f.extra['firstSuccessMs'] : '-'} ms, convergence ${f.convergenceMs ?? '-'} ms`,
    )
    .join('\n');
  stopAllLoads();
  process.stdout.write(`\nKafka cluster chaos figures (${file}):\n${summaryTable(figures)}\n${firstSuccess}\n`);
  await cluster?.stop();
}, 120_000);

const runs = Array.from({ length: settings.runCount }, (_, i) => i + 1);

for (const run of runs) {
  describe(`three brokers, run ${run}`, () => {
    it(
      'the leader of the balances partitions SIGKILLed under load: the others take over, nothing lost or doubled',
      async () => {
        let victim = 0;
        let firstSuccessMs = 0;
        let leaderAfter = 0;
        const result = await withSubscribers((watched) =>
          runScenario('kafka-leader-sigkill', run, {
            steadyLoadPerS: STEADY_LOAD_PER_S,
            fault: {
              holdMs: 0,
              inject: async () => {
                victim = await cluster.leaderOf(TOPICS.balances);
                const killedAtMs = Date.now();
                await cluster.stopKafkaNode(victim, 'SIGKILL');
                // Measured while the node is still dead: what the two survivors do alone.
                firstSuccessMs = await firstProjectionMs(killedAtMs);
                leaderAfter = await cluster.leaderOf(TOPICS.balances);
              },
              restore: () => cluster.startKafkaNode(victim),
            },
            afterLoad: async () => {
              const subscribers = await subscriberViolations(watched);
              return { violations: subscribers.violations, extra: { killedNode: victim, leaderAfter, firstSuccessMs, ...subscribers.extra } };
            },
          }),
        );
        expectClean(result);
        expect(leaderAfter).not.toBe(victim);
      },
      SCENARIO_TIMEOUT_MS,
    );

    it(
      'the active controller SIGKILLed under load: a new quorum leader, nothing lost or doubled',
      async () => {
        let victim = 0;
        let firstSuccessMs = 0;
        let controllerAfter = 0;
        const result = await withSubscribers((watched) =>
          runScenario('kafka-controller-sigkill', run, {
            steadyLoadPerS: STEADY_LOAD_PER_S,
            fault: {
              holdMs: 0,
              inject: async () => {
                victim = await cluster.activeController();
                const killedAtMs = Date.now();
                await cluster.stopKafkaNode(victim, 'SIGKILL');
                firstSuccessMs = await firstProjectionMs(killedAtMs);
                controllerAfter = await cluster.activeController();
              },
              restore: () => cluster.startKafkaNode(victim),
            },
            afterLoad: async () => {
              const subscribers = await subscriberViolations(watched);
              return { violations: subscribers.violations, extra: { killedNode: victim, controllerAfter, firstSuccessMs, ...subscribers.extra } };
            },
          }),
        );
        expectClean(result);
        expect(controllerAfter).not.toBe(victim);
      },
      SCENARIO_TIMEOUT_MS,
    );

    it(
      'a rolling restart of all three brokers, one at a time, under load: nothing lost or doubled',
      async () => {
        const steps: Array<{ node: number; stopMs: number; projectionWhileDownMs: number; backInSyncMs: number }> = [];
        const result = await withSubscribers((watched) =>
          runScenario('kafka-rolling-restart', run, {
            steadyLoadPerS: STEADY_LOAD_PER_S,
            fault: {
              holdMs: 0,
              inject: async () => {
                for (const node of cluster.kafkaNodeIds) {
                  const stoppingAtMs = Date.now();
                  // SIGTERM: a controlled shutdown hands its leaderships over before the JVM exits.
                  await cluster.stopKafkaNode(node, 'SIGTERM');
                  const stopMs = Date.now() - stoppingAtMs;
                  const projectionWhileDownMs = await firstProjectionMs(Date.now());
                  const startingAtMs = Date.now();
                  await cluster.startKafkaNode(node);
                  steps.push({ node, stopMs, projectionWhileDownMs, backInSyncMs: Date.now() - startingAtMs });
                }
              },
            },
            afterLoad: async () => {
              const subscribers = await subscriberViolations(watched);
              const firstSuccessMs = Math.max(...steps.map((s) => s.projectionWhileDownMs));
              return { violations: subscribers.violations, extra: { steps, firstSuccessMs, ...subscribers.extra } };
            },
          }),
        );
        expectClean(result);
        expect(steps.map((s) => s.node)).toEqual([...cluster.kafkaNodeIds]);
      },
      SCENARIO_TIMEOUT_MS,
    );
  });
}
