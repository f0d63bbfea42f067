// Bridge to the repository's ESM scripts (scripts/lib/*.mjs), which Jest's CommonJS runtime
// cannot import: each call runs a short node child process and reads its JSON answer.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../..');
const SCRIPT_TIMEOUT_MS = 180_000;

/** Runs `body` as an ES module with `args` bound; its last stdout line must be JSON. */
async function runModule<T>(body: string, args: unknown): Promise<T> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `const args = JSON.parse(process.argv[1]);\n${body}`, JSON.stringify(args)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), SCRIPT_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`script failed (exit ${code}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
  const last = stdout.trim().split('\n').at(-1) ?? 'null';
  return JSON.parse(last) as T;
}

/** `url` pointing at another database (and, with `port`, at 127.0.0.1:port, e.g. a proxy). */
export function withDatabase(url: string, database: string, port?: number): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (port !== undefined) {
    u.hostname = '127.0.0.1';
    u.port = String(port);
  }
  return u.toString();
}

export interface DatabaseUrls {
  readonly WALLET_DATABASE_URL: string;
  readonly BALANCE_DATABASE_URL: string;
}

export function migrateAndSeed(urls: DatabaseUrls): Promise<null> {
  return runModule(
    `import { migrateAll, seedAll } from './scripts/lib/databases.mjs';
     const quiet = () => {};
     await migrateAll(args, quiet); await seedAll(args, quiet); console.log('null');`,
    urls,
  );
}

export function dropDatabases(urls: DatabaseUrls): Promise<null> {
  return runModule(
    `import { dropDatabase } from './scripts/lib/databases.mjs';
     for (const url of Object.values(args)) await dropDatabase(url); console.log('null');`,
    urls,
  );
}

export interface KafkaSpec {
  /** 1 or 3 combined broker+controller nodes. */
  readonly brokerCount: number;
  /** One client and one controller port per node. */
  readonly ports: ReadonlyArray<{ readonly port: number; readonly controllerPort: number }>;
  readonly dataDir: string;
  readonly freshData: boolean;
}

export interface KafkaInfo {
  readonly brokers: string[];
  readonly nodes: ReadonlyArray<{ readonly id: number; readonly pid: number }>;
}

/**
 * Starts (or completes) the dedicated chaos Kafka, detached from the helper process
 * (attached=false), so the suite can SIGKILL any node and start it again on the same data dir and
 * ports. Topics and ACLs are provisioned under the default names; credentials are the run's.
 */
export function startKafka(spec: KafkaSpec): Promise<KafkaInfo> {
  return runModule(
    `import { startKafka } from './scripts/lib/kafka.mjs';
     const k = await startKafka({ ...args, logDir: args.dataDir, attached: false, partitions: 3, log: () => {} });
     console.log(JSON.stringify({ brokers: k.brokers, nodes: k.nodes.map((n) => ({ id: n.id, pid: n.pid })) }));`,
    spec,
  );
}

export function stopKafka(dataDir: string): Promise<{ stopped: boolean }> {
  return runModule(
    `import { stopKafka } from './scripts/lib/kafka.mjs';
     const r = await stopKafka({ dataDir: args.dataDir, timeoutMs: 10000, log: () => {} });
     console.log(JSON.stringify({ stopped: r.stopped }));`,
    { dataDir },
  );
}

/** Starts one stopped node again and waits until it answers (its replicas catch up afterwards). */
export function startKafkaNode(dataDir: string, nodeId: number): Promise<{ pid: number }> {
  return runModule(
    `import { startKafkaNode } from './scripts/lib/kafka.mjs';
     const r = await startKafkaNode({ dataDir: args.dataDir, nodeId: args.nodeId, log: () => {} });
     console.log(JSON.stringify({ pid: r.pid }));`,
    { dataDir, nodeId },
  );
}

/** SIGTERM (a controlled shutdown, SIGKILL after 30 s) or SIGKILL one node; resolves once it is gone. */
export function stopKafkaNode(dataDir: string, nodeId: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<{ stopped: boolean; how: string | null }> {
  return runModule(
    `import { stopKafkaNode } from './scripts/lib/kafka.mjs';
     const r = await stopKafkaNode({ dataDir: args.dataDir, nodeId: args.nodeId, signal: args.signal, log: () => {} });
     console.log(JSON.stringify({ stopped: r.stopped, how: r.how ?? null }));`,
    { dataDir, nodeId, signal },
  );
}

/** The node leading the KRaft quorum (the active controller), from the nodes' quorum-state files. */
export function activeControllerId(dataDir: string): Promise<number | null> {
  return runModule(
    `import { activeControllerId } from './scripts/lib/kafka.mjs';
     console.log(JSON.stringify(activeControllerId({ dataDir: args.dataDir })));`,
    { dataDir },
  );
}

/** Waits until every replica of `topics` is in sync (after a node came back). */
export function waitForFullIsr(brokers: readonly string[], topics: readonly string[], timeoutMs: number): Promise<null> {
  return runModule(
    `import { kafkaCredentials, saslOf, waitForFullIsr } from './scripts/lib/kafka.mjs';
     await waitForFullIsr({ brokers: args.brokers, sasl: saslOf(kafkaCredentials().broker), topics: args.topics, timeoutMs: args.timeoutMs });
     console.log('null');`,
    { brokers, topics, timeoutMs },
  );
}

/** Creates or re-keys SCRAM users on a running cluster (as the broker principal of this run). */
export function upsertScramUsers(brokers: readonly string[], users: ReadonlyArray<{ username: string; password: string }>): Promise<null> {
  return runModule(
    `import { upsertScramUsers } from './scripts/lib/kafka.mjs';
     await upsertScramUsers({ brokers: args.brokers, users: args.users, log: () => {} });
     console.log('null');`,
    { brokers, users },
  );
}

/** An ephemeral TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
