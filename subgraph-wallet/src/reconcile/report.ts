import type { Drift } from './compare.js';
import type { RepairOutcome } from './repair.js';
import type { ReconcileReport } from './reconciler.js';

export const ExitCode = { consistent: 0, error: 1, drift: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface RunResult {
  readonly exitCode: ExitCode;
  /** The report the verdict rests on (after the repair, when one was verified). */
  readonly report: ReconcileReport;
  /** The first report, when a repair ran. */
  readonly before?: ReconcileReport;
  readonly repairs?: readonly RepairOutcome[];
  /** Repairs were written but not verified (no --wait-ms, or it ran out). */
  readonly repairPending?: boolean;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function driftRow(drift: Drift): string[] {
  return [
    drift.accountId,
    drift.kind,
    drift.wallet ? drift.wallet.balance : 'missing',
    drift.wallet ? String(drift.wallet.version) : '-',
    drift.readModel ? drift.readModel.balance : 'missing',
    drift.readModel ? String(drift.readModel.version) : '-',
  ];
}

function lagLines(report: ReconcileReport): string[] {
  const lag = report.lag;
  if (!lag.available) return [`consumer lag (${lag.groupId} on ${lag.topic}): unavailable: ${lag.error}`];
  if (!lag.topicExists) return [`consumer lag (${lag.groupId} on ${lag.topic}): topic does not exist yet (0)`];
  const parts = lag.partitions.map((p) => `p${p.partition}=${p.lag}`).join(' ');
  return [`consumer lag (${lag.groupId} on ${lag.topic}): ${lag.totalLag} message(s) [${parts}]`];
}

/** The human report: summary lines, then a table of drifted accounts. */
export function formatReport(report: ReconcileReport, title = 'reconcile'): string {
  const o = report.outbox;
  const lines = [
    `${title} at ${report.checkedAt}`,
    `wallet accounts: ${report.walletAccountCount}   read-model rows: ${report.readModelRowCount}`,
    `undelivered events (outbox): ${o.unpublishedCount}${o.unpublishedCount > 0 ? ` (oldest ${o.oldestAgeMs} ms, created ${o.oldestCreatedAt})` : ''}`,
    ...lagLines(report),
  ];
  if (report.consistent) {
    lines.push(report.settled ? 'result: CONSISTENT' : 'result: CONSISTENT so far (events still in flight: re-run with --wait-ms to settle)');
    return lines.join('\n');
  }
  lines.push(`result: DRIFT in ${report.driftCount} account(s)${report.driftsTruncated ? ` (first ${report.drifts.length} listed)` : ''}`, '');
  lines.push(...table(['account', 'kind', 'wallet balance', 'wallet version', 'read-model balance', 'read-model version'], report.drifts.map(driftRow)));
  if (!report.idle) {
    lines.push('', 'note: events are still in flight; some drift may clear by itself (--wait-ms N waits for it)');
  }
  return lines.join('\n');
}

function formatRepairs(repairs: readonly RepairOutcome[]): string {
  const rows = repairs.map((r) =>
    r.outcome === 'reemitted' ? [r.accountId, 're-emitted', `version ${r.version}, balance ${r.balance}`] : [r.accountId, 'skipped', r.reason],
  );
  return ['repair (BalanceUpdated through the wallet outbox):', ...table(['account', 'outcome', 'detail'], rows)].join('\n');
}

export function formatRun(result: RunResult): string {
  if (result.before === undefined) return formatReport(result.report);
  const parts = [formatReport(result.before, 'before repair'), formatRepairs(result.repairs ?? [])];
  if (result.repairPending) parts.push('repair written; not verified yet (re-run, or use --wait-ms N to wait for the read model)');
  else parts.push(formatReport(result.report, 'after repair'));
  return parts.join('\n\n');
}

/** The machine-readable form: stable field names, amounts as decimal strings. */
export function runToJson(result: RunResult): string {
  return JSON.stringify(
    {
      exitCode: result.exitCode,
      consistent: result.report.consistent,
      settled: result.report.settled,
      report: result.report,
      ...(result.before === undefined ? {} : { before: result.before, repairs: result.repairs, repairPending: result.repairPending === true }),
    },
    null,
    2,
  );
}
