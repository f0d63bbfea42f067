import { sleep } from '@walletgraph/platform/core';
import type { Admin } from 'kafkajs';
import type { Connection } from 'mariadb';
import { compareAccounts, DriftKind, type Drift } from './compare.js';
import { consumerLag, type ConsumerLag } from './lag.js';
import { repairDrift, type RepairOutcome } from './repair.js';
import { outboxBacklog, readModelByIds, readModelPage, walletAccountsByIds, walletAccountsPage, type OutboxBacklog } from './store.js';

export interface ReconcileReport {
  readonly checkedAt: string;
  readonly walletAccountCount: number;
  readonly readModelRowCount: number;
  /** Drifted accounts found (may exceed `drifts.length`, which is capped). */
  readonly driftCount: number;
  readonly drifts: readonly Drift[];
  readonly driftsTruncated: boolean;
  readonly outbox: OutboxBacklog;
  readonly lag: ConsumerLag;
  /** No drifted account. Lag or backlog alone do not make the system inconsistent. */
  readonly consistent: boolean;
  /** Nothing in flight (empty outbox, no consumer lag) when the comparison started. */
  readonly idle: boolean;
  /** Consistent and idle: the comparison is final. */
  readonly settled: boolean;
}

export interface ReconcilerDeps {
  readonly wallet: Connection;
  readonly balance: Connection;
  readonly admin: Admin;
}

export interface ReconcilerSettings {
  readonly topics: { readonly balances: string; readonly transactions: string };
  readonly consumerGroup: string;
  readonly pageSizeMax: number;
  readonly driftReportMax: number;
  readonly pollIntervalMs: number;
}

export interface Reconciler {
  check(): Promise<ReconcileReport>;
  /**
   * Checks until nothing is in flight (empty outbox, no lag) or until waitMs has passed, and returns
   * the last report: drift that remains once idle is real, drift seen earlier may still clear.
   */
  checkUntilSettled(waitMs: number): Promise<ReconcileReport>;
  repair(drifts: readonly Drift[]): Promise<RepairOutcome[]>;
}

const FIRST_ID = '';

interface DriftScan {
  readonly drifts: Drift[];
  driftCount: number;
  accountCount: number;
}

function collect(scan: DriftScan, found: readonly Drift[], cap: number): void {
  scan.driftCount += found.length;
  for (const drift of found) if (scan.drifts.length < cap) scan.drifts.push(drift);
}

/** Walks the wallet's accounts page by page, comparing each page with the same ids in the read model. */
async function scanWallet(deps: ReconcilerDeps, settings: ReconcilerSettings, scan: DriftScan): Promise<void> {
  let afterId = FIRST_ID;
  for (;;) {
    const page = await walletAccountsPage(deps.wallet, afterId, settings.pageSizeMax);
    if (page.length === 0) return;
    const read = await readModelByIds(
      deps.balance,
      page.map((a) => a.accountId),
    );
    collect(scan, compareAccounts(page, read), settings.driftReportMax);
    scan.accountCount += page.length;
    afterId = (page.at(-1) as { accountId: string }).accountId;
    if (page.length < settings.pageSizeMax) return;
  }
}

/** Walks the read model for rows whose account the wallet does not know. */
async function scanOrphans(deps: ReconcilerDeps, settings: ReconcilerSettings, scan: DriftScan): Promise<number> {
  let afterId = FIRST_ID;
  let rowCount = 0;
  for (;;) {
    const page = await readModelPage(deps.balance, afterId, settings.pageSizeMax);
    if (page.length === 0) return rowCount;
    rowCount += page.length;
    const known = await walletAccountsByIds(
      deps.wallet,
      page.map((r) => r.accountId),
    );
    collect(
      scan,
      compareAccounts(known, page).filter((d) => d.kind === DriftKind.orphan),
      settings.driftReportMax,
    );
    afterId = (page.at(-1) as { accountId: string }).accountId;
    if (page.length < settings.pageSizeMax) return rowCount;
  }
}

export function createReconciler(deps: ReconcilerDeps, settings: ReconcilerSettings): Reconciler {
  async function check(): Promise<ReconcileReport> {
    // Backlog, then lag, then the comparison: an empty outbox at t1 and no lag at t2 > t1 mean every
    // event committed before t1 is in the read model, so drift seen afterwards is not in flight.
    const outbox = await outboxBacklog(deps.wallet);
    const lag = await consumerLag(deps.admin, settings.consumerGroup, settings.topics.balances);
    const scan: DriftScan = { drifts: [], driftCount: 0, accountCount: 0 };
    await scanWallet(deps, settings, scan);
    const readModelRowCount = await scanOrphans(deps, settings, scan);
    const consistent = scan.driftCount === 0;
    const idle = outbox.unpublishedCount === 0 && lag.available && lag.totalLag === 0;
    return {
      checkedAt: new Date().toISOString(),
      walletAccountCount: scan.accountCount,
      readModelRowCount,
      driftCount: scan.driftCount,
      drifts: scan.drifts,
      driftsTruncated: scan.driftCount > scan.drifts.length,
      outbox,
      lag,
      consistent,
      idle,
      settled: consistent && idle,
    };
  }

  return {
    check,
    async checkUntilSettled(waitMs) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const report = await check();
        if (report.idle || Date.now() + settings.pollIntervalMs > deadline) return report;
        await sleep(settings.pollIntervalMs);
      }
    },
    async repair(drifts) {
      const outcomes: RepairOutcome[] = [];
      for (const drift of drifts) outcomes.push(await repairDrift(deps.wallet, settings.topics, drift));
      return outcomes;
    },
  };
}
