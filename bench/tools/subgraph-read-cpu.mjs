#!/usr/bin/env node
// CPU of the two subgraphs per federated read, A/B of subgraph builds in one run, interleaved:
//   node bench/tools/subgraph-read-cpu.mjs --roots=/tmp/base,. [--rounds=5] [--seconds=5] [--connections=32] [--identity=admin|clients]
// Starts one Kafka, the bench databases (BENCH_DATABASE_SUFFIX), seeds 2,000 accounts by SQL, and a wallet +
// balance subgraph pair per checkout in --roots (their subgraph-*/dist). Each round loads every pair at the
// same time (so each sees the same machine), after a 1 s warm-up: per pair, `connections` closed-loop callers each send the gateway's two
// fetches of `account(id) { id client { name email } balance { amount version } }` (the wallet query, then
// the balance `_entities` query), random ids, with a gateway-signed identity (the admin, or each account's
// own client). Reported per pair: CPU µs of both subgraph processes per read (/proc stat), median and
// min–max over the rounds, and reads/s. Every answer is checked (200, no errors, the account asked).
import http from 'node:http';
import path from 'node:path';
import os from 'node:os';
import { authEnv, kafkaEnv } from '../lib/auth.mjs';
import { readFileSync } from 'node:fs';
import { seedSql } from '../lib/seed.mjs';
import { createStack, prepareDatabases, root } from '../lib/stack.mjs';
import { dropDatabase, platform } from '../../scripts/lib/databases.mjs';
import { freePort } from '../../scripts/lib/free-port.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, ...v] = a.replace(/^--/, '').split('=');
    return [k, v.join('=') || 'true'];
  }),
);
const roots = (args.roots ?? '.').split(',').map((r) => path.resolve(r));
const rounds = Number(args.rounds ?? 5);
const seconds = Number(args.seconds ?? 5);
const connections = Number(args.connections ?? 32);
const identityMode = args.identity ?? 'admin';
const profile = args.profile === 'true';

const startedMs = Date.now();
const log = (line) => console.log(`[sgcpu +${String(Math.round((Date.now() - startedMs) / 1000)).padStart(3)}s] ${line}`);
const suffix = process.env.BENCH_DATABASE_SUFFIX ? `_${process.env.BENCH_DATABASE_SUFFIX.replace(/[^a-z0-9_]/gi, '')}` : '';
const urls = {
  WALLET_DATABASE_URL: `mysql://root@127.0.0.1:3306/wgbench_wallet${suffix}`,
  BALANCE_DATABASE_URL: `mysql://root@127.0.0.1:3306/wgbench_balance${suffix}`,
};

const walletQuery = 'query Read__wallet__0($id:ID!){account(id:$id){__typename id client{name email}}}';
const balanceQuery = 'query Read__balance__1($representations:[_Any!]!){_entities(representations:$representations){...on Account{balance{amount version}}}}';

async function startPair(stack, label, checkout, brokers) {
  const ports = { wallet: await freePort(), walletRest: await freePort(), balance: await freePort(), balanceRest: await freePort() };
  const common = { KAFKA_BROKERS: brokers, LOG_LEVEL: 'warn', NODE_ENV: 'production', ...authEnv, ...kafkaEnv };
  const prof = (name) => (profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(root, 'bench/results/profiles', `${name}-${label}`)}`] : []);
  await stack.startNode(
    `wallet-${label}`,
    [path.join(checkout, 'subgraph-wallet/dist/main.js')],
    { ...common, ...urls, WALLET_PORT: String(ports.wallet), WALLET_REST_PORT: String(ports.walletRest), WALLET_HOST: '127.0.0.1' },
    ports.wallet,
    { nodeOptions: prof('wallet') },
  );
  await stack.startNode(
    `balance-${label}`,
    [path.join(checkout, 'subgraph-balance/dist/main.js')],
    {
      ...common,
      ...urls,
      WALLET_SUBGRAPH_URL: `http://127.0.0.1:${ports.wallet}/graphql`,
      BALANCE_PORT: String(ports.balance),
      BALANCE_REST_PORT: String(ports.balanceRest),
      BALANCE_HOST: '127.0.0.1',
    },
    ports.balance,
    { nodeOptions: prof('balance') },
  );
  return {
    label,
    checkout,
    wallet: ports.wallet,
    balance: ports.balance,
    pids: [stack.pidOf(`wallet-${label}`), stack.pidOf(`balance-${label}`)],
    results: [],
  };
}

function post(agent, port, body, identity) {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': payload.length, [platform().INTERNAL_IDENTITY_HEADER]: identity },
      },
      (response) => {
        const chunks = [];
        response.on('data', (c) => chunks.push(c));
        response.on('end', () => resolve({ status: response.statusCode, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

async function readOnce(agent, pair, id, identity) {
  const w = await post(agent, pair.wallet, { query: walletQuery, variables: { id }, operationName: 'Read__wallet__0' }, identity);
  if (w.status !== 200 || w.json.errors || w.json.data?.account?.id !== id || !w.json.data.account.client?.email)
    throw new Error(`wallet ${pair.label}: ${w.status} ${JSON.stringify(w.json).slice(0, 300)}`);
  const b = await post(
    agent,
    pair.balance,
    { query: balanceQuery, variables: { representations: [{ __typename: 'Account', id }] }, operationName: 'Read__balance__1' },
    identity,
  );
  if (b.status !== 200 || b.json.errors || typeof b.json.data?._entities?.[0]?.balance?.amount !== 'string')
    throw new Error(`balance ${pair.label}: ${b.status} ${JSON.stringify(b.json).slice(0, 300)}`);
}

async function load(pair, ms, ids, identityFor) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections * 2 });
  let count = 0;
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < until) {
        const id = ids[Math.floor(Math.random() * ids.length)];
        await readOnce(agent, pair, id, identityFor(id));
        count += 1;
      }
    }),
  );
  agent.destroy();
  return count;
}

/** [user, system] CPU ms of one process so far (clock ticks of 10 ms). */
function cpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(fields[11]) * 10, Number(fields[12]) * 10];
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const stack = createStack({ log, logDir: path.join(os.tmpdir(), `wgsgcpu-${process.pid}`) });
let exitCode = 0;
try {
  const brokers = await stack.startKafka();
  await prepareDatabases(urls, log);
  const { ids, owners } = await seedSql(urls, 2000);
  log(`seeded ${ids.length} accounts`);
  const pairs = [];
  for (const [i, checkout] of roots.entries()) pairs.push(await startPair(stack, String.fromCharCode(65 + i), checkout, brokers));
  log(pairs.map((p) => `${p.label}=${p.checkout}`).join(' '));
  const p = platform();
  // A signed identity lives 60 s: minted again before every measurement.
  let admin;
  const clientIdentities = new Map();
  const readIds = identityMode === 'clients' ? ids.slice(0, 1000) : ids;
  const mint = async () => {
    admin = await p.mintInternalIdentity({ role: 'admin', subject: 'bench' }, { secret: authEnv.INTERNAL_AUTH_SECRET });
    if (identityMode !== 'clients') return;
    for (const id of readIds)
      clientIdentities.set(
        id,
        await p.mintInternalIdentity(
          { role: 'client', subject: `bench-client-${owners.get(id)}`, clientId: owners.get(id) },
          { secret: authEnv.INTERNAL_AUTH_SECRET },
        ),
      );
  };
  const identityFor = identityMode === 'clients' ? (id) => clientIdentities.get(id) : () => admin;
  await mint();
  for (const pair of pairs) await load(pair, 3000, readIds, identityFor);
  // Background CPU (Kafka clients, pools, timers), after the warm-up: paid per second, so per read it
  // grows as throughput falls.
  const idle0 = pairs.map((pair) => pair.pids.map(cpuOf));
  await new Promise((resolve) => setTimeout(resolve, 5000));
  for (const [i, pair] of pairs.entries()) {
    const ms = pair.pids.map((pid, j) => cpuOf(pid).reduce((a, b) => a + b) - idle0[i][j].reduce((a, b) => a + b));
    log(`idle ${pair.label}: wallet ${ms[0] / 5} ms/s, balance ${ms[1] / 5} ms/s of CPU`);
  }
  // Every pair under load at the same time, so each sees the same machine (a shared, noisy one).
  for (let r = 0; r < rounds; r += 1) {
    await mint();
    await Promise.all(pairs.map((pair) => load(pair, 1000, readIds, identityFor)));
    const cpu0 = pairs.map((pair) => pair.pids.map(cpuOf));
    const t0 = performance.now();
    const counts = await Promise.all(pairs.map((pair) => load(pair, seconds * 1000, readIds, identityFor)));
    const elapsed = (performance.now() - t0) / 1000;
    for (const [i, pair] of pairs.entries()) {
      const [w, b] = pair.pids.map((pid, j) => cpuOf(pid).map((ms, k) => ms - cpu0[i][j][k]));
      const n = counts[i];
      const perRead = (ms) => (ms * 1000) / n;
      const result = {
        n,
        rps: n / elapsed,
        us: perRead(w[0] + w[1] + b[0] + b[1]),
        wallet: perRead(w[0] + w[1]),
        balance: perRead(b[0] + b[1]),
        system: perRead(w[1] + b[1]),
      };
      pair.results.push(result);
      log(
        `round ${r + 1} ${pair.label}: ${Math.round(result.us)} µs/read (wallet ${Math.round(result.wallet)}, balance ${Math.round(result.balance)}; system ${Math.round(result.system)}), ${Math.round(result.rps)} reads/s, load ${os.loadavg()[0].toFixed(2)}`,
      );
    }
  }
  console.log(`\nsubgraph CPU per federated read (${identityMode}, ${connections} callers, ${rounds} × ${seconds} s):`);
  for (const pair of pairs) {
    const f = (key) => {
      const xs = pair.results.map((x) => x[key]);
      return `${Math.round(median(xs))} (${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))})`;
    };
    console.log(
      `  ${pair.label} ${pair.checkout}: ${f('us')} µs/read; wallet ${f('wallet')}, balance ${f('balance')}, system time ${f('system')}; ${f('rps')} reads/s`,
    );
  }
  // Paired: each round's pairs ran at the same moment, so their ratio is the steadiest figure.
  for (const pair of pairs.slice(1)) {
    const ratios = pair.results.map((x, r) => x.us / pairs[0].results[r].us);
    const two = (x) => x.toFixed(2);
    console.log(`  ${pair.label}/A per round: ${two(median(ratios))} (${two(Math.min(...ratios))}–${two(Math.max(...ratios))})`);
  }
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await stack.stopAll();
  for (const url of Object.values(urls)) await dropDatabase(url);
}
process.exit(exitCode);
