#!/usr/bin/env node
// node bench/tools/gateway-read-ab.mjs 'label|main.js[|node options[|K=V,K=V]]' … [env DURATION=8 ROUNDS=5 CONNECTIONS=64]
// The gateway alone on the read path: builds of it (or one build with other node options or
// GATEWAY_* settings) side by side against two fake subgraphs answering the bench's Read plan from
// memory (bench/tools/fake-subgraphs.mjs, one process), no database, Kafka or peers. Rounds
// alternate the targets (order reversed every round); per round: CPU µs per read of the gateway
// (/proc, user + system) and its peak RSS. Median (min–max) at the end. What it is for: A/B of a
// gateway change on a shared machine, where the full bench's cells mostly measure the neighbours.
//   cp -a gateway/dist gateway/dist-before   # before the change; rebuild; then
//   node bench/tools/gateway-read-ab.mjs 'after|gateway/dist/main.js' 'before|gateway/dist-before/main.js'
//   node bench/tools/gateway-read-ab.mjs 'h50|gateway/dist/main.js' 'h0|gateway/dist/main.js||GATEWAY_HEAP_GROWING_PERCENT=0'
// A node option such as `--cpu-prof --cpu-prof-dir=DIR` profiles a target (written when it stops).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { platform } from '../../scripts/lib/databases.mjs';
import { freePort } from '../../scripts/lib/free-port.mjs';
import { cpuMsOf, processTree } from '../lib/rss.mjs';
import { readQuery } from '../scenarios/read.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const durationS = Number(process.env.DURATION ?? 8);
const rounds = Number(process.env.ROUNDS ?? 5);
const connections = Number(process.env.CONNECTIONS ?? 64);
const specs = process.argv.slice(2);
if (specs.length === 0) throw new Error("usage: gateway-read-ab.mjs 'label|main.js[|node options[|K=V,…]]' …");

const auth = {
  AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
  INTERNAL_AUTH_SECRET: randomBytes(32).toString('hex'),
  AUTH_ISSUER: 'walletgraph-dev',
  AUTH_AUDIENCE: 'walletgraph',
};
const bearer = `Bearer ${await platform().mintUserToken({ role: 'admin', subject: 'bench' }, { secret: auth.AUTH_JWT_SECRET, issuer: auth.AUTH_ISSUER, audience: auth.AUTH_AUDIENCE, expiresIn: '1h' })}`;
const [walletPort, balancePort] = [await freePort(), await freePort()];
const children = [];
process.on('exit', () => children.forEach((child) => child.exitCode === null && child.kill('SIGKILL')));
process.on('SIGINT', () => process.exit(1));
children.push(spawn(process.execPath, [path.join(root, 'bench/tools/fake-subgraphs.mjs'), String(walletPort), String(balancePort)], { stdio: 'inherit' }));

const targets = [];
for (const spec of specs) {
  const [label, main, options = '', extraEnv = ''] = spec.split('|');
  const port = await freePort();
  const env = {
    ...process.env,
    ...auth,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    GATEWAY_PORT: String(port),
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_WORKERS: '1',
    WALLET_SUBGRAPH_URL: `http://127.0.0.1:${walletPort}/graphql`,
    BALANCE_SUBGRAPH_URL: `http://127.0.0.1:${balancePort}/graphql`,
    BALANCE_SUBGRAPH_WS_URL: `ws://127.0.0.1:${balancePort}/graphql`,
    // Random ids over 2,000 accounts: as the bench's random cell, nothing to merge.
    GATEWAY_DEDUPE_INFLIGHT: 'false',
    ...Object.fromEntries(
      extraEnv
        .split(',')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    ),
  };
  const child = spawn(process.execPath, [...options.split(' ').filter(Boolean), path.resolve(root, main)], { stdio: 'inherit', env });
  children.push(child);
  targets.push({ label, port, pid: child.pid, cpuUs: [], rssMb: [] });
}
await sleep(5_000);

const rssMbOf = (pid) =>
  processTree(pid).reduce((sum, p) => {
    try {
      return sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      return sum;
    }
  }, 0) / 1024;

/** One load of `seconds` on a target: CPU µs per read, peak RSS, and answers that were not right. */
function load(target, seconds) {
  return new Promise((resolve, reject) => {
    let peakMb = 0;
    const timer = setInterval(() => (peakMb = Math.max(peakMb, rssMbOf(target.pid))), 200);
    const cpuBeforeMs = cpuMsOf(target.pid);
    let wrong = 0;
    const request = {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: bearer },
      setupRequest: (req, context) => {
        context.id = `account-${Math.floor(Math.random() * 2_000)}`;
        return { ...req, body: JSON.stringify({ query: readQuery, variables: { id: context.id }, operationName: 'Read' }) };
      },
      onResponse: (status, body, context) => {
        if (status !== 200 || !body.includes(`"id":"${context.id}"`) || body.includes('"errors"')) wrong += 1;
      },
    };
    autocannon({ url: `http://127.0.0.1:${target.port}/graphql`, connections, duration: seconds, requests: [request] }, (error, result) => {
      clearInterval(timer);
      if (error) return reject(error);
      const reads = result.requests.total;
      resolve({ reads, cpuUs: ((cpuMsOf(target.pid) - cpuBeforeMs) * 1000) / reads, readsPerS: result.requests.average, peakMb, wrong });
    });
  });
}

for (const target of targets) await load(target, 3); // warm-up
for (let round = 0; round < rounds; round += 1) {
  for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
    const r = await load(target, durationS);
    target.cpuUs.push(r.cpuUs);
    target.rssMb.push(r.peakMb);
    console.log(
      `round ${round + 1} ${target.label.padEnd(12)} ${r.readsPerS.toFixed(0).padStart(6)} reads/s  CPU ${r.cpuUs.toFixed(0).padStart(5)} µs/read  RSS peak ${r.peakMb.toFixed(0)} MB  wrong ${r.wrong}`,
    );
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const summary = (values) => `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
for (const target of targets) console.log(`${target.label.padEnd(12)} CPU µs/read ${summary(target.cpuUs)}; peak RSS MB ${summary(target.rssMb)}`);
// SIGTERM, so that a --cpu-prof target writes its profile.
await Promise.all(
  children.slice(1).map(
    (child) =>
      new Promise((resolve) => {
        child.on('exit', resolve);
        child.kill('SIGTERM');
        setTimeout(resolve, 8_000);
      }),
  ),
);
process.exit(0);
