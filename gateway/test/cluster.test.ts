import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../chaos/support/scripts';
import { adminAuthorization } from './auth';

const mainJs = path.resolve(__dirname, '..', 'dist', 'main.js');
/** How long both workers may take to answer /health/live. */
const WORKERS_READY_MS_MAX = 60_000;
/** Each test: the workers' start, then a few requests and a clean stop. */
const TEST_MS_MAX = 120_000;

async function livePid(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { headers: { connection: 'close' } });
    return ((await response.json()) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

describe('GATEWAY_WORKERS=2 (node:cluster)', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  /** The built gateway with two workers on a free port, once both answer; `exited` resolves to its exit code. */
  async function startTwoWorkers(env: Record<string, string> = {}): Promise<{ port: number; pids: Set<number>; exited: Promise<number | null> }> {
    expect(existsSync(mainJs) ? mainJs : `missing ${mainJs}: run npm run build -w @walletgraph/gateway`).toBe(mainJs);
    const port = await freePort();
    const started = spawn(process.execPath, [mainJs], {
      env: {
        PATH: process.env['PATH'],
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        GATEWAY_WORKERS: '2',
        GATEWAY_PORT: String(port),
        GATEWAY_HOST: '127.0.0.1',
        APOLLO_TELEMETRY_DISABLED: '1',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = started;
    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
    const pids = new Set<number>();
    // Bounded by time, not by a count of probes: on a loaded machine three processes loading Apollo
    // can take tens of seconds before both workers listen.
    const deadline = Date.now() + WORKERS_READY_MS_MAX;
    while (pids.size < 2 && Date.now() < deadline && started.exitCode === null) {
      const pid = await livePid(`http://127.0.0.1:${port}/health/live`);
      if (pid !== undefined) pids.add(pid);
      if (pids.size < 2) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(pids.size).toBe(2);
    return { port, pids, exited };
  }

  it(
    'serves from two worker processes on one port and stops cleanly on SIGTERM',
    async () => {
      const { port, pids, exited } = await startTwoWorkers();
      expect(pids.has(child?.pid ?? -1)).toBe(false);
      const authorization = await adminAuthorization();
      for (let i = 0; i < 4; i += 1) {
        await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close', authorization },
          body: '{"query":"{ __typename }"}',
        });
      }
      // Whichever worker answers the scrape reports the requests both served.
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/gateway_requests_total\{operation_type="query",outcome="ok"\} 4\b/);
      child?.kill('SIGTERM');
      await expect(exited).resolves.toBe(0);
    },
    TEST_MS_MAX,
  );

  it(
    'shares one mutation budget per identity across the workers',
    async () => {
      const budget = 3;
      const { port, exited } = await startTwoWorkers({ GATEWAY_MUTATIONS_PER_MINUTE_MAX: String(budget) });
      const authorization = await adminAuthorization();
      // No subgraph runs here: an admitted mutation fails later, a refused one is RATE_LIMITED (429).
      // New connections alternate between the workers, so each worker sees half of them.
      const codes: string[] = [];
      for (let i = 0; i < 2 * budget; i += 1) {
        const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close', authorization },
          body: JSON.stringify({ query: `mutation { createClient(input: { name: "Rate ${i}", email: "rate${i}@example.com" }) { id } }` }),
        });
        const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
        codes.push(response.status === 429 ? 'RATE_LIMITED' : (body.errors?.[0]?.extensions?.code ?? 'OK'));
      }
      expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(budget);
      expect(codes.slice(0, budget)).not.toContain('RATE_LIMITED');
      child?.kill('SIGTERM');
      await expect(exited).resolves.toBe(0);
    },
    TEST_MS_MAX,
  );
});
