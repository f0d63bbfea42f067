// The real service processes (`node <workspace>/dist/main.js`), spawned with their own env and
// ports, logging to files; killable with SIGKILL and restartable with the same settings.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './scripts';

/** The built entry of each service, relative to the repository root. */
export const SERVICE_SCRIPTS = { wallet: 'subgraph-wallet/dist/main.js', balance: 'subgraph-balance/dist/main.js', gateway: 'gateway/dist/main.js' } as const;

export interface ServiceSpec {
  readonly name: string;
  /** Path of the built entry, relative to the repository root. */
  readonly script: string;
  readonly env: Readonly<Record<string, string>>;
  /** GET … that answers 200 once the process serves traffic. */
  readonly readyUrl: string;
  readonly logFile: string;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  readonly name: string;
  readonly spec: ServiceSpec;
  pid(): number | undefined;
  isRunning(): boolean;
  /** Spawns the process and waits until readyUrl answers 200 (or the process dies). */
  start(readyTimeoutMs?: number): Promise<void>;
  /** Sends the signal and waits for the exit (SIGKILL: the process gets no chance to clean up). */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM with a deadline, then SIGKILL; how the process ended (undefined if it was not running). */
  stop(): Promise<ProcessExit | undefined>;
  /** Restarted at least once (for the summary). */
  startCount(): number;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_DEADLINE_MS = 15_000;
const READY_POLL_MS = 150;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export async function isReady(url: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

export function ensureBuilt(scripts: readonly string[]): void {
  const missing = scripts.filter((script) => !existsSync(path.join(repoRoot, script)));
  if (missing.length > 0) throw new Error(`not built: ${missing.join(', ')}; run \`npm run build\` first`);
}

export function createServiceProcess(spec: ServiceSpec): ServiceProcess {
  let child: ChildProcess | undefined;
  let log: WriteStream | undefined;
  let starts = 0;
  const running = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;

  const waitExit = (target: ChildProcess, timeoutMs: number): Promise<boolean> =>
    target.exitCode !== null || target.signalCode !== null
      ? Promise.resolve(true)
      : new Promise((resolve) => {
          const timer = setTimeout(() => resolve(false), timeoutMs);
          target.once('exit', () => {
            clearTimeout(timer);
            resolve(true);
          });
        });

  return {
    name: spec.name,
    spec,
    pid: () => (running() ? child?.pid : undefined),
    isRunning: running,
    startCount: () => starts,
    async start(readyTimeoutMs = READY_TIMEOUT_MS) {
      if (running()) throw new Error(`${spec.name} is already running`);
      log = createWriteStream(spec.logFile, { flags: 'a' });
      log.write(`\n=== start ${new Date().toISOString()} ===\n`);
      const spawned = spawn(process.execPath, [path.join(repoRoot, spec.script)], {
        cwd: repoRoot,
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', APOLLO_TELEMETRY_DISABLED: '1', ...spec.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      spawned.stdout?.pipe(log, { end: false });
      spawned.stderr?.pipe(log, { end: false });
      child = spawned;
      starts += 1;
      const deadline = Date.now() + readyTimeoutMs;
      while (!(await isReady(spec.readyUrl))) {
        if (!running()) throw new Error(`${spec.name} exited during start (${spawned.exitCode ?? spawned.signalCode}):\n${tail(spec.logFile, 15)}`);
        if (Date.now() > deadline) throw new Error(`${spec.name} not ready within ${readyTimeoutMs} ms:\n${tail(spec.logFile, 15)}`);
        await sleep(READY_POLL_MS);
      }
    },
    async kill(signal) {
      const target = child;
      if (target === undefined || !running()) return;
      target.kill(signal);
      if (!(await waitExit(target, STOP_DEADLINE_MS))) throw new Error(`${spec.name} did not exit after ${signal}`);
    },
    async stop() {
      const target = child;
      if (target === undefined || !running()) return undefined;
      target.kill('SIGTERM');
      if (!(await waitExit(target, STOP_DEADLINE_MS))) {
        target.kill('SIGKILL');
        await waitExit(target, 5_000);
      }
      log?.end();
      return { code: target.exitCode, signal: target.signalCode };
    },
  };
}
