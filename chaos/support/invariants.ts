// The five invariants of issue 8, checked after every scenario:
//  1. money is conserved: the sum of all balances equals the sum of deposits;
//  2. no balance is ever negative (wallet and read model);
//  3. each accepted idempotency key moved money exactly once (and the ledger adds up per account);
//  4. once the consumer has caught up, every read-model balance and version equals the wallet's;
//  5. every event an acknowledged mutation produced reached its topic (outbox fully drained).
import { createHash } from 'node:crypto';
import type { Connection } from 'mariadb';
import { connectMariaDb } from '@walletgraph/platform/db';
import { canonicalBalance } from '../../subgraph-wallet/src/reconcile/compare';
import { createReconciler, type ReconcileReport } from '../../subgraph-wallet/src/reconcile/reconciler';
import type { TransferRecord } from './load';
import { chaosKafka, readTopics } from './topics';

export interface InvariantContext {
  /** Direct URLs (never through the outage proxy). */
  readonly walletUrl: string;
  readonly balanceUrl: string;
  readonly brokers: readonly string[];
  readonly consumerGroup: string;
  readonly topics: { readonly balances: string; readonly transactions: string };
  /** Transfers of the scenario; the acknowledged ones are checked one by one. */
  readonly transfers: readonly TransferRecord[];
  readonly convergenceTimeoutMs: number;
}

export interface Violation {
  readonly invariant: 1 | 2 | 3 | 4 | 5;
  readonly detail: string;
}

export interface InvariantResult {
  readonly violations: readonly Violation[];
  /** When the reconciler first saw the read model settled (undefined: it never did). */
  readonly convergedAtMs: number | undefined;
  readonly report: ReconcileReport;
  readonly counts: { readonly accounts: number; readonly transactions: number; readonly outboxEvents: number; readonly eventsOnTopics: number };
}

const BATCH_SIZE_MAX = 500;
const LISTED_MAX = 5;

async function connect(url: string): Promise<Connection> {
  const u = new URL(url);
  return connectMariaDb({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
    bigIntAsNumber: false,
    decimalAsNumber: false,
  });
}

async function one<T>(connection: Connection, sql: string, values: unknown[] = []): Promise<T> {
  const rows = await connection.query<T[]>(sql, values);
  return rows[0] as T;
}

const listed = (items: readonly string[]): string =>
  `${items.slice(0, LISTED_MAX).join('; ')}${items.length > LISTED_MAX ? ` (+${items.length - LISTED_MAX} more)` : ''}`;

async function moneyInvariants(wallet: Connection, balance: Connection): Promise<Violation[]> {
  const violations: Violation[] = [];
  const sums = await one<{ balances: string | null; deposits: string | null }>(
    wallet,
    'SELECT CAST((SELECT COALESCE(SUM(balance), 0) FROM accounts) AS CHAR) AS balances, CAST((SELECT COALESCE(SUM(amount), 0) FROM deposits) AS CHAR) AS deposits',
  );
  if (canonicalBalance(sums.balances ?? '0') !== canonicalBalance(sums.deposits ?? '0')) {
    violations.push({ invariant: 1, detail: `sum of balances ${sums.balances} != sum of deposits ${sums.deposits}` });
  }
  const negativeWallet = await wallet.query<Array<{ id: string; b: string }>>('SELECT id, CAST(balance AS CHAR) AS b FROM accounts WHERE balance < 0');
  const negativeRead = await balance.query<Array<{ id: string; b: string }>>(
    'SELECT account_id AS id, CAST(amount AS CHAR) AS b FROM balances WHERE amount < 0',
  );
  for (const [where, rows] of [
    ['wallet', negativeWallet],
    ['read model', negativeRead],
  ] as const) {
    if (rows.length > 0)
      violations.push({ invariant: 2, detail: `${rows.length} negative balance(s) in the ${where}: ${listed(rows.map((r) => `${r.id}=${r.b}`))}` });
  }
  return violations;
}

const storedKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** Each acknowledged key → exactly its transaction; every transfer key → one transaction; ledger per account. */
async function exactlyOnceInvariants(wallet: Connection, transfers: readonly TransferRecord[]): Promise<Violation[]> {
  const problems: string[] = [];
  const acknowledged = transfers.filter((t) => t.outcome === 'acknowledged');
  for (let i = 0; i < acknowledged.length; i += BATCH_SIZE_MAX) {
    const batch = acknowledged.slice(i, i + BATCH_SIZE_MAX);
    const keyRows = await wallet.query<Array<{ k: string; r: string; f: string | null; t: string | null; a: string | null }>>(
      `SELECT k.\`key\` AS k, k.result_id AS r, t.account_id_from AS f, t.account_id_to AS t, CAST(t.amount AS CHAR) AS a
         FROM idempotency_keys k LEFT JOIN transactions t ON t.id = k.result_id WHERE k.\`key\` IN (?)`,
      [batch.map((t) => storedKey(t.key))],
    );
    const byKey = new Map(keyRows.map((row) => [row.k, row]));
    for (const transfer of batch) {
      const row = byKey.get(storedKey(transfer.key));
      if (row === undefined) problems.push(`acknowledged key ${transfer.key} has no idempotency record`);
      else if (row.r !== transfer.transactionId) problems.push(`key ${transfer.key} acknowledged ${transfer.transactionId} but records ${row.r}`);
      else if (row.f !== transfer.from || row.t !== transfer.to || row.a === null || canonicalBalance(row.a) !== canonicalBalance(transfer.amount)) {
        problems.push(`transaction ${row.r} of key ${transfer.key} does not match what was acknowledged`);
      }
    }
  }
  const counts = await one<{ tx: bigint; keys: bigint; results: bigint; dangling: bigint }>(
    wallet,
    `SELECT (SELECT COUNT(*) FROM transactions) AS tx,
            (SELECT COUNT(*) FROM idempotency_keys WHERE operation = 'transfer') AS \`keys\`,
            (SELECT COUNT(DISTINCT result_id) FROM idempotency_keys WHERE operation = 'transfer') AS results,
            (SELECT COUNT(*) FROM idempotency_keys k LEFT JOIN transactions t ON t.id = k.result_id WHERE k.operation = 'transfer' AND t.id IS NULL) AS dangling`,
  );
  if (Number(counts.tx) !== Number(counts.keys) || Number(counts.keys) !== Number(counts.results) || Number(counts.dangling) !== 0) {
    problems.push(`transactions ${counts.tx}, transfer keys ${counts.keys}, distinct results ${counts.results}, keys without a transaction ${counts.dangling}`);
  }
  const ledger = await wallet.query<Array<{ id: string; balance: string; expected: string }>>(
    `SELECT a.id, CAST(a.balance AS CHAR) AS balance,
            CAST(COALESCE(d.s, 0) + COALESCE(i.s, 0) - COALESCE(o.s, 0) AS CHAR) AS expected
       FROM accounts a
       LEFT JOIN (SELECT account_id, SUM(amount) s FROM deposits GROUP BY account_id) d ON d.account_id = a.id
       LEFT JOIN (SELECT account_id_to, SUM(amount) s FROM transactions GROUP BY account_id_to) i ON i.account_id_to = a.id
       LEFT JOIN (SELECT account_id_from, SUM(amount) s FROM transactions GROUP BY account_id_from) o ON o.account_id_from = a.id
      WHERE a.balance <> COALESCE(d.s, 0) + COALESCE(i.s, 0) - COALESCE(o.s, 0)`,
  );
  for (const row of ledger) problems.push(`account ${row.id} holds ${row.balance} but its deposits and transfers give ${row.expected}`);
  return problems.length === 0 ? [] : [{ invariant: 3, detail: listed(problems) }];
}

/** Outbox drained, and every outbox event id is on its topic (the relay's header `event-id`). */
async function deliveryInvariant(
  wallet: Connection,
  context: InvariantContext,
  report: ReconcileReport,
): Promise<{ violations: Violation[]; outboxEvents: number; eventsOnTopics: number }> {
  const problems: string[] = [];
  if (report.outbox.unpublishedCount > 0)
    problems.push(`${report.outbox.unpublishedCount} outbox row(s) never published (oldest ${report.outbox.oldestAgeMs} ms)`);
  const rows = await wallet.query<Array<{ event_id: string; topic: string }>>('SELECT event_id, topic FROM outbox_events');
  const messages = await readTopics(context.brokers, [context.topics.transactions, context.topics.balances]);
  const seen = new Set(messages.map((m) => `${m.topic}/${m.headers['event-id'] ?? ''}`));
  const missing = rows.filter((row) => !seen.has(`${row.topic}/${row.event_id}`)).map((row) => `${row.topic}/${row.event_id}`);
  if (missing.length > 0) problems.push(`${missing.length} outbox event(s) not found on their topic: ${listed(missing)}`);
  return { violations: problems.length === 0 ? [] : [{ invariant: 5, detail: listed(problems) }], outboxEvents: rows.length, eventsOnTopics: messages.length };
}

/**
 * Waits (bounded) for the read model to converge, then checks all five invariants. Returns every
 * violation rather than throwing, so a scenario can record figures before it asserts.
 */
export async function checkInvariants(context: InvariantContext): Promise<InvariantResult> {
  const wallet = await connect(context.walletUrl);
  const balance = await connect(context.balanceUrl);
  const admin = chaosKafka(context.brokers, 'reconciler', 'chaos-invariants').admin();
  try {
    const reconciler = createReconciler(
      { wallet, balance, admin },
      { topics: context.topics, consumerGroup: context.consumerGroup, pageSizeMax: 1_000, driftReportMax: 50, pollIntervalMs: 250 },
    );
    const report = await reconciler.checkUntilSettled(context.convergenceTimeoutMs);
    const convergedAtMs = report.settled ? Date.now() : undefined;
    const violations: Violation[] = [];
    if (!report.consistent) {
      const drifts = report.drifts.map(
        (d) =>
          `${d.accountId} ${d.kind} wallet ${d.wallet?.balance ?? '-'}/v${d.wallet?.version ?? '-'} read ${d.readModel?.balance ?? '-'}/v${d.readModel?.version ?? '-'}`,
      );
      violations.push({ invariant: 4, detail: `${report.driftCount} drifted account(s)${report.idle ? '' : ' (never caught up)'}: ${listed(drifts)}` });
    } else if (!report.settled) {
      violations.push({
        invariant: 4,
        detail: `consumer never caught up within ${context.convergenceTimeoutMs} ms (lag ${report.lag.available ? report.lag.totalLag : 'unknown'})`,
      });
    }
    violations.push(...(await moneyInvariants(wallet, balance)));
    violations.push(...(await exactlyOnceInvariants(wallet, context.transfers)));
    const delivery = await deliveryInvariant(wallet, context, report);
    violations.push(...delivery.violations);
    const totals = await one<{ accounts: bigint; tx: bigint }>(
      wallet,
      'SELECT (SELECT COUNT(*) FROM accounts) AS accounts, (SELECT COUNT(*) FROM transactions) AS tx',
    );
    return {
      violations: violations.sort((a, b) => a.invariant - b.invariant),
      convergedAtMs,
      report,
      counts: {
        accounts: Number(totals.accounts),
        transactions: Number(totals.tx),
        outboxEvents: delivery.outboxEvents,
        eventsOnTopics: delivery.eventsOnTopics,
      },
    };
  } finally {
    await admin.disconnect().catch(() => undefined);
    await wallet.end().catch(() => undefined);
    await balance.end().catch(() => undefined);
  }
}
