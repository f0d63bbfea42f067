#!/usr/bin/env node
// node bench/tools/tracing-overhead.mjs [--duration=8] [--connections=32] [--rounds=5] [--warmup=3] [--full=1] [--zero=0] [--profile=1] [--variants=off,sampled_1pct]
// What tracing costs on reads (issue 16): one stack (Kafka, wgbench_trace_* databases, both
// subgraphs, a real Zipkin) and five builds-identical gateways side by side, differing only in
// OTEL_*: `off` (no exporter: the SDK is not loaded), `sampled_1pct` (parentbased_traceidratio 0.01,
// the gateway's default explicit tracing context: no AsyncLocalStorage), `sampled_1pct_recorded_only`
// (WALLETGRAPH_TRACING_CONTEXT=recorded-only: AsyncLocalStorage while a sampled read is in flight),
// `sampled_1pct_stock_als` (async-local-storage, the stock context manager) and `sampled_100pct`
// (every read traced and exported to Zipkin). BENCH_DATABASE_SUFFIX as bench/run.mjs. The subgraphs trace only what
// the gateway sampled (parentbased_always_off for their own roots). Reads are the bench's federated
// read (account + client + balance, random id), targets alternating, warm-up before each; per
// target: req/s, p50/p99, and CPU per read of the gateway and of the subgraphs (/proc/<pid>/stat).
import os from 'node:os';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { cpuMsOf } from '../lib/rss.mjs';
import { seedSql } from '../lib/seed.mjs';
import { createStack, ensureBuilt, prepareDatabases, startOurs, startSubgraphs } from '../lib/stack.mjs';
import { runReads } from '../scenarios/read.mjs';
import { startZipkin } from '../../scripts/lib/zipkin.mjs';
import { freePort } from '../../scripts/lib/free-port.mjs';

const flags = Object.fromEntries(
  process.argv
    .slice(2)
    .map((arg) => /^--([a-z]+)=([\w,.]+)$/.exec(arg))
    .filter(Boolean)
    .map((m) => [m[1], /^\d+$/.test(m[2]) ? Number(m[2]) : m[2]]),
);
const durationS = flags.duration ?? 8;
const connections = flags.connections ?? 32;
const rounds = flags.rounds ?? 5;
const warmupS = flags.warmup ?? 3;
// --full=0: without the 100 % gateway (a shorter run, for more paired rounds on a loaded machine).
const full = (flags.full ?? 1) !== 0;
// --profile=1: every process runs under --cpu-prof (bench/results/profiles/tracing-<time>/<name>/), for profile-top.mjs.
const profileDir = flags.profile ? path.resolve('bench/results/profiles', `tracing-${new Date().toISOString().replace(/[:.]/g, '-')}`) : undefined;
const startedMs = Date.now();
const log = (line) => console.log(`[tracing-bench +${String(Math.round((Date.now() - startedMs) / 1000)).padStart(3)}s] ${line}`);
// BENCH_DATABASE_SUFFIX=x: wgbench_trace_wallet_x and wgbench_trace_balance_x (two runs on one MariaDB), as bench/run.mjs.
const databaseSuffix = process.env.BENCH_DATABASE_SUFFIX ? `_${process.env.BENCH_DATABASE_SUFFIX.replace(/[^a-z0-9_]/gi, '')}` : '';
const urls = {
  WALLET_DATABASE_URL: `mysql://root@127.0.0.1:3306/wgbench_trace_wallet${databaseSuffix}`,
  BALANCE_DATABASE_URL: `mysql://root@127.0.0.1:3306/wgbench_trace_balance${databaseSuffix}`,
};
const VARIANTS = {
  off: {},
  sampled_1pct: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' },
  // The same with OpenTelemetry's stock context manager (AsyncLocalStorage always on), the gateway's before.
  // `explicit` is the gateway's default now (no AsyncLocalStorage); the one before it, for comparison.
  sampled_1pct_recorded_only: {
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.01',
    WALLETGRAPH_TRACING_CONTEXT: 'recorded-only',
  },
  sampled_1pct_stock_als: {
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.01',
    WALLETGRAPH_TRACING_CONTEXT: 'async-local-storage',
  },
  sampled_100pct: { OTEL_TRACES_SAMPLER: 'parentbased_always_on' },
};

const workDir = path.join(os.tmpdir(), `wgbench-trace-${process.pid}`);
mkdirSync(workDir, { recursive: true });
const stack = createStack({ log, logDir: workDir });
let zipkin;
try {
  await ensureBuilt(log);
  const brokers = await stack.startKafka();
  zipkin = await startZipkin({ port: await freePort(), log });
  await prepareDatabases(urls, log);
  const traced = { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.spansUrl };
  const subgraphs = await startSubgraphs(stack, { brokers, urls, profileDir, env: { ...traced, OTEL_TRACES_SAMPLER: 'parentbased_always_off' } });
  const { ids } = await seedSql(urls, 2_000);
  const targets = {};
  if (!full) delete VARIANTS.sampled_100pct;
  // --variants=off,sampled_1pct: only these (more paired rounds of the comparison that matters in the same time).
  if (typeof flags.variants === 'string') {
    const wanted = new Set(flags.variants.split(','));
    for (const name of Object.keys(VARIANTS)) if (!wanted.has(name)) delete VARIANTS[name];
    if (!('off' in VARIANTS) || Object.keys(VARIANTS).length < 2) throw new Error(`--variants needs off and at least one of ${[...wanted].join(', ')}`);
  }
  // --zero=1: a gateway that traces (SDK, server spans, sampler) but never records: what the 1 % one
  // pays besides the time a sampled read is in flight (AsyncLocalStorage on for every request then).
  if (flags.zero === 1) VARIANTS.sampled_0pct = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' };
  for (const [name, env] of Object.entries(VARIANTS)) {
    targets[name] = await startOurs(stack, subgraphs, {
      workers: 1,
      subscriptionsMax: 1_000,
      name,
      profileDir,
      env: name === 'off' ? {} : { ...traced, ...env },
    });
  }
  log(
    `gateways: ${Object.entries(targets)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}; zipkin ${zipkin.url}`,
  );
  const cpuMs = (name) => ({ target: cpuMsOf(stack.pidOf(name)), wallet: cpuMsOf(stack.pidOf('wallet')), balance: cpuMsOf(stack.pidOf('balance')) });
  // Every cell runs the three gateways interleaved (the order rotates), `rounds` repetitions each.
  const result = await runReads({ targets, ids, hotId: ids[7], clients: [], levels: [connections], durationS, warmupS, repetitions: rounds, log, cpuMs });
  for (const mix of ['random', 'hot']) printTable(mix, result[mix][connections]);
  if (profileDir) log(`profiles in ${profileDir} (node bench/tools/profile-top.mjs <file>)`);

  /**
   * On a loaded machine the rounds drift far more than the variants differ: each round's variant is
   * compared with the same round's `off` (run next to it), and the median of those ratios shown
   * (min–max), for gateway CPU per read and reads/s.
   */
  function paired(runs, baseRuns) {
    const ratios = (pick) =>
      runs
        .map((run, i) => (baseRuns[i] ? (pick(run) / pick(baseRuns[i]) - 1) * 100 : null))
        .filter((r) => r !== null && Number.isFinite(r))
        .sort((a, b) => a - b);
    const show = (values) => {
      if (values.length === 0) return 'n/a';
      const mid = values.length >> 1;
      const median = values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
      const sign = (v) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
      return `${sign(median)} % (${sign(values[0])}…${sign(values[values.length - 1])})`;
    };
    return `${show(ratios((r) => r.target_cpu_us_per_req))}, ${show(ratios((r) => r.rps))}`;
  }

  function printTable(mix, cells) {
    const base = cells.off;
    const span = (range) => (range ? ` (${range[0]}–${range[1]})` : '');
    const pct = (value, of) => (value === of ? '' : ` ${value >= of ? '+' : ''}${(((value - of) / of) * 100).toFixed(1)} %`);
    console.log(
      `\nFederated reads, ${mix === 'random' ? 'random id over 2,000 accounts' : 'one hot id'}, ${connections} connections, ${durationS} s × ${rounds} rounds interleaved (median, min–max); ${os.cpus().length} cores, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log('| tracing | reads/s | p50 ms | p99 ms | gateway CPU µs/read | subgraphs CPU µs/read | errors | paired vs off: CPU/read, reads/s |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const name of Object.keys(VARIANTS)) {
      const cell = cells[name];
      const vs = (value, of) => (name === 'off' ? '' : pct(value, of));
      console.log(
        `| ${name} | ${cell.rps}${vs(cell.rps, base.rps)}${span(cell.rps_range)} | ${cell.latency_ms.p50} | ${cell.latency_ms.p99} | ${cell.target_cpu_us_per_req}${vs(cell.target_cpu_us_per_req, base.target_cpu_us_per_req)}${span(cell.target_cpu_us_per_req_range)} | ${cell.subgraphs_cpu_us_per_req} | ${cell.errors + cell.wrong_answers} | ${name === 'off' ? '' : paired(cell.runs, base.runs)} |`,
      );
    }
  }
} finally {
  await stack.stopAll();
  await zipkin?.stop();
  await Promise.all(Object.values(urls).map((url) => import('../../scripts/lib/databases.mjs').then((m) => m.dropDatabase(url)))).catch(() => undefined);
}
