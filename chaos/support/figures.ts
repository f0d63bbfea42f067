// Figures of every scenario run: written to chaos/results/latest.json and printed as a table.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { InvariantResult, Violation } from './invariants';
import { summarize, type TransferRecord } from './load';
import { repoRoot } from './scripts';

export interface ScenarioFigures {
  readonly scenario: string;
  readonly run: number;
  readonly transfers: number;
  readonly acknowledged: number;
  readonly refused: number;
  readonly failed: number;
  /** Transfers acknowledged while the fault was active. */
  readonly acknowledgedDuringFault: number;
  /** Failed attempts by error code (the callers' view of the fault). */
  readonly errorCodes: Readonly<Record<string, number>>;
  readonly violations: number;
  readonly violationDetails: readonly Violation[];
  readonly faultMs: number | null;
  /** Fault end → first successful probe transfer through the gateway. */
  readonly probeRecoveryMs: number | null;
  /** Fault end → reconciler sees the read model equal to the wallet with nothing in flight. */
  readonly convergenceMs: number | null;
  readonly durationMs: number;
  readonly extra: Readonly<Record<string, unknown>>;
}

export interface FaultWindow {
  readonly startedAtMs: number;
  readonly endedAtMs: number;
}

export function figuresOf(input: {
  scenario: string;
  run: number;
  records: readonly TransferRecord[];
  fault: FaultWindow | undefined;
  probeRecoveryMs: number | undefined;
  invariants: InvariantResult;
  startedAtMs: number;
  extraViolations?: readonly Violation[];
  extra?: Record<string, unknown>;
}): ScenarioFigures {
  const summary = summarize(input.records);
  const fault = input.fault;
  const violations = [...input.invariants.violations, ...(input.extraViolations ?? [])];
  return {
    scenario: input.scenario,
    run: input.run,
    transfers: summary.transferCount,
    acknowledged: summary.acknowledgedCount,
    refused: summary.refusedCount,
    failed: summary.failedCount,
    acknowledgedDuringFault:
      fault === undefined
        ? 0
        : input.records.filter((r) => r.outcome === 'acknowledged' && r.endedAtMs >= fault.startedAtMs && r.endedAtMs <= fault.endedAtMs).length,
    errorCodes: summary.errorCodeCounts,
    violations: violations.length,
    violationDetails: violations,
    faultMs: fault === undefined ? null : fault.endedAtMs - fault.startedAtMs,
    probeRecoveryMs: input.probeRecoveryMs ?? null,
    convergenceMs: fault === undefined || input.invariants.convergedAtMs === undefined ? null : input.invariants.convergedAtMs - fault.endedAtMs,
    durationMs: Date.now() - input.startedAtMs,
    extra: { ...input.extra, totals: input.invariants.counts },
  };
}

const cell = (value: number | null): string => (value === null ? '-' : String(value));

export function summaryTable(all: readonly ScenarioFigures[]): string {
  const header = ['scenario', 'run', 'transfers', 'acked', 'acked in fault', 'failed', 'violations', 'fault ms', 'probe ms', 'converge ms'];
  const rows = all.map((f) => [
    f.scenario,
    String(f.run),
    String(f.transfers),
    String(f.acknowledged),
    String(f.acknowledgedDuringFault),
    String(f.failed),
    String(f.violations),
    cell(f.faultMs),
    cell(f.probeRecoveryMs),
    cell(f.convergenceMs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Writes chaos/results/<fileName> (default latest.json; each chaos file its own). */
export function writeResults(all: readonly ScenarioFigures[], meta: Record<string, unknown>, fileName = 'latest.json'): string {
  const file = path.join(repoRoot, 'chaos/results', fileName);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ ...meta, scenarioRuns: all.length, violationsTotal: all.reduce((n, f) => n + f.violations, 0), scenarios: all }, null, 2)}\n`,
  );
  return file;
}
