// One scenario run, shared by the chaos files: a transfer load through the gateway, a fault injected
// once the load is under way, held, undone, recovery measured, then the five invariants and the
// figures. The load either has a fixed size (CHAOS_TRANSFERS) or, for long faults, keeps going at a
// steady rate until the fault is undone and recovery measured.
import type { ChaosSettings } from './env';
import { CONSUMER_GROUP, TOPICS, type Cluster } from './cluster';
import { figuresOf, type FaultWindow, type ScenarioFigures } from './figures';
import { checkInvariants, type Violation } from './invariants';
import { startLoad, type Load, type TransferRecord } from './load';

export interface Fault {
  inject(): Promise<void>;
  /** Undo the fault; defaults to nothing (the fault is one-shot). */
  restore?(): Promise<void>;
  /** How long the fault stays before restore; defaults to CHAOS_FAULT_HOLD_MS. */
  readonly holdMs?: number;
}

export interface AfterLoad {
  readonly records?: readonly TransferRecord[];
  readonly violations?: readonly Violation[];
  readonly extra?: Record<string, unknown>;
}

export interface ScenarioPlan {
  readonly fault?: Fault;
  /** Runs while the load is still going, right after the fault ended (subscriptions checks). */
  readonly duringRecovery?: () => Promise<AfterLoad>;
  readonly afterLoad?: (records: readonly TransferRecord[]) => Promise<AfterLoad>;
  readonly measureProbe?: boolean;
  /**
   * Transfers started per second for a load that runs until the fault is undone and recovery
   * measured (instead of CHAOS_TRANSFERS at CHAOS_RATE_PER_S), so a fault of unknown length is under
   * load from start to end. The fault is injected after two seconds of it.
   */
  readonly steadyLoadPerS?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Upper bound of a steady load (at 10/s: 5 minutes), far above any CI or soak fault. */
const STEADY_LOAD_TRANSFERS_MAX = 3_000;

/** Loads still running: a scenario that timed out must not leave one behind (afterAll stops them). */
const runningLoads = new Set<Load>();

/** Starts no further transfer in any scenario's load; for afterAll, before the cluster stops. */
export function stopAllLoads(): void {
  for (const load of runningLoads) load.stop();
}

export type ScenarioRunner = (name: string, run: number, plan: ScenarioPlan) => Promise<ScenarioFigures>;

export function createScenarioRunner(deps: {
  readonly cluster: () => Cluster;
  readonly settings: ChaosSettings;
  readonly figures: ScenarioFigures[];
}): ScenarioRunner {
  const { settings, figures } = deps;
  return async (name, run, plan) => {
    const cluster = deps.cluster();
    await cluster.ensureHealthy();
    const startedAtMs = Date.now();
    const steady = plan.steadyLoadPerS !== undefined;
    const load = startLoad({
      gatewayUrl: cluster.gatewayUrl,
      accountIds: cluster.accounts.load,
      transferCount: steady ? STEADY_LOAD_TRANSFERS_MAX : settings.transferCount,
      concurrency: settings.concurrency,
      ratePerS: plan.steadyLoadPerS ?? settings.ratePerS,
      keyPrefix: `${name}-${run}`,
    });
    runningLoads.add(load);
    void load.done.finally(() => runningLoads.delete(load));
    let fault: FaultWindow | undefined;
    let probeRecoveryMs: number | undefined;
    let during: AfterLoad = {};
    try {
      // Under way: a quarter of a fixed load, or two seconds of a steady one.
      await load.waitForCompleted(Math.ceil(steady ? (plan.steadyLoadPerS ?? 0) * 2 : settings.transferCount / 4));
      if (plan.fault !== undefined) {
        const faultStartedAtMs = Date.now();
        await plan.fault.inject();
        await sleep(plan.fault.holdMs ?? settings.faultHoldMs);
        await plan.fault.restore?.();
        fault = { startedAtMs: faultStartedAtMs, endedAtMs: Date.now() };
        if (plan.measureProbe !== false) probeRecoveryMs = await cluster.probeRecoveryMs(fault.endedAtMs);
        during = (await plan.duringRecovery?.()) ?? {};
      }
    } finally {
      // Whatever happened, let the load finish so the next scenario starts clean.
      if (steady) load.stop();
      await load.done;
    }
    const records = await load.done;
    const after = (await plan.afterLoad?.(records)) ?? {};
    const invariants = await checkInvariants({
      walletUrl: cluster.direct.WALLET_DATABASE_URL,
      balanceUrl: cluster.direct.BALANCE_DATABASE_URL,
      brokers: cluster.brokers(),
      consumerGroup: CONSUMER_GROUP,
      topics: TOPICS,
      transfers: [...records, ...(during.records ?? []), ...(after.records ?? [])],
      convergenceTimeoutMs: settings.convergenceTimeoutMs,
    });
    const result = figuresOf({
      scenario: name,
      run,
      records: [...records, ...(during.records ?? []), ...(after.records ?? [])],
      fault,
      probeRecoveryMs,
      invariants,
      startedAtMs,
      extraViolations: [...(during.violations ?? []), ...(after.violations ?? [])],
      extra: { ...during.extra, ...after.extra },
    });
    figures.push(result);
    return result;
  };
}

/** No invariant violated; and unless the fault makes the database unreachable, no caller gave up. */
export function expectClean(result: ScenarioFigures, options: { failuresAllowed?: boolean } = {}): void {
  expect(result.violationDetails).toEqual([]);
  if (options.failuresAllowed !== true) expect({ failed: result.failed, errorCodes: result.errorCodes }).toEqual({ failed: 0, errorCodes: {} });
}
