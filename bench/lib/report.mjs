// The issue's JSON shape, the target checks, the human table and bench/RESULTS.md (pure formatting).
import { ratio } from './stats.mjs';

const pick = (reads, mix, level, name) => reads?.[mix]?.[level]?.[name];

/** Summary in the shape the issue asks for (read.* at 64 connections, or the closest level run). */
export function summaryOf(raw) {
  const levels = Object.keys(raw.read?.random ?? {}).map(Number);
  const level = levels.includes(64) ? 64 : levels[0];
  const rps = (mix, name) => pick(raw.read, mix, level, name)?.rps ?? null;
  const subs = raw.subscribers ?? [];
  const largest = subs[subs.length - 1];
  const maxOver = (name) => Math.max(0, ...Object.values(raw.rss_mb_by_scenario ?? {}).map((s) => s[name] ?? 0)) || null;
  return {
    read: {
      connections: level ?? null,
      ours_rps: rps('random', 'ours'),
      stock_apollo_rps: rps('random', 'stock_apollo'),
      hive_rps: rps('random', 'hive'),
      limit_rps: rps('random', 'limit'),
      ours_p99_ms: pick(raw.read, 'random', level, 'ours')?.latency_ms.p99 ?? null,
      hot: { ours_rps: rps('hot', 'ours'), stock_apollo_rps: rps('hot', 'stock_apollo'), hive_rps: rps('hot', 'hive'), limit_rps: rps('hot', 'limit') },
      cpu_us_per_req: Object.fromEntries(
        ['random', 'hot'].map((mix) => [mix, Object.fromEntries(['ours', 'stock_apollo', 'hive', 'limit'].map((n) => [n, { target: pick(raw.read, mix, level, n)?.target_cpu_us_per_req ?? null, subgraphs: (pick(raw.read, mix, level, n)?.wallet_cpu_us_per_req ?? 0) + (pick(raw.read, mix, level, n)?.balance_cpu_us_per_req ?? 0) || null }]))]),
      ),
      ratios: {
        ours_over_stock: ratio(rps('random', 'ours'), rps('random', 'stock_apollo')),
        ours_over_hive: ratio(rps('random', 'ours'), rps('random', 'hive')),
        ours_over_limit: ratio(rps('random', 'ours'), rps('random', 'limit')),
        hot_ours_over_stock: ratio(rps('hot', 'ours'), rps('hot', 'stock_apollo')),
        hot_ours_over_hive: ratio(rps('hot', 'ours'), rps('hot', 'hive')),
        hot_ours_over_limit: ratio(rps('hot', 'ours'), rps('hot', 'limit')),
      },
    },
    overhead_ratio: raw.overhead?.ratio_p50 ?? null,
    transfers: { distinct_per_s: raw.transfers?.distinct.per_s ?? null, hot_pair_per_s: raw.transfers?.hot_pair.per_s ?? null, p99_ms: raw.transfers?.distinct.latency_ms.p99 ?? null, hot_pair_p99_ms: raw.transfers?.hot_pair.latency_ms.p99 ?? null },
    propagation_ms: raw.propagation
      ? { event: strip(raw.propagation.event), readable: strip(raw.propagation.readable), rate_per_s: raw.propagation.achieved_per_s, ...(raw.propagation_low_rate ? { low_rate: { rate_per_s: raw.propagation_low_rate.achieved_per_s, event: strip(raw.propagation_low_rate.event), readable: strip(raw.propagation_low_rate.readable) } } : {}) }
      : null,
    subscribers: largest ? { count: largest.count, fanout_p99_ms: largest.fanout_ms.p99, gateway_rss_mb: raw.rss_mb_by_scenario?.[`subscribers_${largest.count}`]?.gateway ?? null } : null,
    rss_mb: { gateway: maxOver('gateway'), wallet: maxOver('wallet'), balance: maxOver('balance') },
  };
}

const strip = (s) => ({ p50: s.p50, p95: s.p95, p99: s.p99 });

/** [{ target, value, met }] against the issue's targets; met null when not measured. */
export function targetsOf(summary, raw) {
  const s = summary;
  const sub10k = (raw.subscribers ?? []).find((x) => x.count >= 10_000);
  const check = (value, ok) => (value === null || value === undefined ? null : ok(value));
  const readRss = raw.rss_mb_by_scenario?.read?.gateway ?? null;
  return [
    { target: 'reads ≥ 50% of the plain handler (random mix)', value: s.read.ratios.ours_over_limit, met: check(s.read.ratios.ours_over_limit, (v) => v >= 0.5) },
    { target: 'reads ≥ 50% of the plain handler (hot id)', value: s.read.ratios.hot_ours_over_limit, met: check(s.read.ratios.hot_ours_over_limit, (v) => v >= 0.5) },
    { target: 'reads ≥ 2.2× stock @apollo/gateway (random mix)', value: s.read.ratios.ours_over_stock, met: check(s.read.ratios.ours_over_stock, (v) => v >= 2.2) },
    { target: 'reads ≥ 1.5× Hive Gateway (random mix)', value: s.read.ratios.ours_over_hive, met: check(s.read.ratios.ours_over_hive, (v) => v >= 1.5) },
    { target: 'reads ≥ 1.5× Hive Gateway (hot id)', value: s.read.ratios.hot_ours_over_hive, met: check(s.read.ratios.hot_ours_over_hive, (v) => v >= 1.5) },
    { target: 'transfers ≥ 1,000/s over distinct accounts', value: s.transfers.distinct_per_s, met: check(s.transfers.distinct_per_s, (v) => v >= 1000) },
    { target: 'transfers ≥ 300/s on a hot pair', value: s.transfers.hot_pair_per_s, met: check(s.transfers.hot_pair_per_s, (v) => v >= 300) },
    { target: 'propagation (event) p99 ≤ 50 ms at 200 transfers/s', value: s.propagation_ms?.event.p99 ?? null, met: check(s.propagation_ms?.event.p99, (v) => v <= 50) },
    { target: '10,000 subscribers, fan-out p99 ≤ 100 ms', value: sub10k ? sub10k.fanout_ms.p99 : null, met: sub10k ? sub10k.fanout_ms.p99 !== null && sub10k.fanout_ms.p99 <= 100 && sub10k.deliveries >= sub10k.deliveries_expected : null },
    { target: 'gateway RSS ≤ 200 MB under read load', value: readRss, met: check(readRss, (v) => v <= 200) },
  ];
}

const pad = (v, n) => String(v ?? '—').padStart(n);

export function humanTable(raw, summary, targets) {
  const lines = [];
  const names = ['ours', 'stock_apollo', 'hive', 'limit'];
  for (const mix of ['random', 'hot']) {
    lines.push(`Federated reads, ${mix === 'random' ? `random id over ${raw.accounts} accounts` : 'one hot id'} (req/s | p50/p95/p99 ms)`);
    lines.push(`  ${'conns'.padEnd(6)}${names.map((n) => n.padStart(28)).join('')}`);
    for (const [level, row] of Object.entries(raw.read?.[mix] ?? {})) {
      const cell = (r) => (r ? `${r.rps} | ${r.latency_ms.p50}/${r.latency_ms.p95}/${r.latency_ms.p99}${r.errors ? ` E${r.errors}` : ''}` : '—');
      lines.push(`  ${level.padEnd(6)}${names.map((n) => cell(row[n]).padStart(28)).join('')}`);
    }
  }
  const r = summary.read.ratios;
  lines.push(`  ratios @${summary.read.connections}: ours/stock ${r.ours_over_stock} ours/hive ${r.ours_over_hive} ours/limit ${r.ours_over_limit} | hot: ${r.hot_ours_over_stock} ${r.hot_ours_over_hive} ${r.hot_ours_over_limit}`);
  if (raw.overhead) lines.push(`Gateway overhead (1 caller): direct p50 ${raw.overhead.direct_ms.p50} ms, gateway p50 ${raw.overhead.gateway_ms.p50} ms, ratio ${raw.overhead.ratio_p50}`);
  if (raw.transfers) lines.push(`Transfers (${raw.transfers.distinct.callers} callers): distinct ${raw.transfers.distinct.per_s}/s p99 ${raw.transfers.distinct.latency_ms.p99} ms; hot pair ${raw.transfers.hot_pair.per_s}/s p99 ${raw.transfers.hot_pair.latency_ms.p99} ms`);
  if (raw.propagation) {
    const p = raw.propagation;
    lines.push(`Propagation @${p.achieved_per_s}/s: event p50/p95/p99 ${p.event.p50}/${p.event.p95}/${p.event.p99} ms; readable ${p.readable.p50}/${p.readable.p95}/${p.readable.p99} ms`);
  }
  if (raw.propagation_low_rate) {
    const p = raw.propagation_low_rate;
    lines.push(`Propagation @${p.achieved_per_s}/s (below saturation): event p50/p95/p99 ${p.event.p50}/${p.event.p95}/${p.event.p99} ms; readable ${p.readable.p50}/${p.readable.p95}/${p.readable.p99} ms`);
  }
  for (const s of raw.subscribers ?? []) lines.push(`Subscribers ${s.count} (${s.connections} conns): fan-out p50/p95/p99 ${s.fanout_ms.p50}/${s.fanout_ms.p95}/${s.fanout_ms.p99} ms, ${s.deliveries}/${s.deliveries_expected} deliveries, ${s.upstream_reconnects ?? '?'} upstream reconnects, gateway RSS ${raw.rss_mb_by_scenario?.[`subscribers_${s.count}`]?.gateway} MB`);
  lines.push('Peak RSS (MB) per scenario:');
  const procs = ['gateway', 'wallet', 'balance', 'stock_apollo', 'hive', 'limit'];
  lines.push(`  ${'scenario'.padEnd(18)}${procs.map((p) => p.padStart(13)).join('')}`);
  for (const [scenario, row] of Object.entries(raw.rss_mb_by_scenario ?? {})) lines.push(`  ${scenario.padEnd(18)}${procs.map((p) => pad(row[p], 13)).join('')}`);
  lines.push('Targets:');
  for (const t of targets) lines.push(`  ${t.met === null ? '  ?' : t.met ? ' ok' : 'MISS'}  ${t.target}: ${t.value ?? 'not measured'}`);
  return lines.join('\n');
}

export function resultsMarkdown(raw, summary, targets, table) {
  return `# Benchmark results

Produced by \`npm run bench${raw.mode === 'quick' ? ' -- --quick' : ''}${raw.options_note ? ` ${raw.options_note}` : ''}\` (see \`bench/README.md\`). Figures from one run, ${raw.date}.
${raw.mode === 'quick' ? '\n**This is a quick-mode run** (short durations, one read level): indicative only.\n' : ''}
## Machine

- \`nproc\`: ${raw.machine.nproc}; CPU: ${raw.machine.cpu}
- memory (\`free -g\`): ${raw.machine.memory_gb} GB total
- Node ${raw.machine.node}; ${raw.machine.os}
- load average before / after the run: ${raw.machine.load_before.join(' ')} / ${raw.machine.load_after.join(' ')}
  (other work on the same 2 cores makes absolute figures noisy; the ratios, measured alternately in one run, are the robust part)
- every process on 127.0.0.1; one worker per gateway (${raw.workers}); load generator (autocannon and the bench's own clients) in the same machine

## Summary (\`bench/results/latest.json\`, shape of issue 10)

\`\`\`json
${JSON.stringify(summary, null, 2)}
\`\`\`

## Targets

| target | value | met |
| --- | --- | --- |
${targets.map((t) => `| ${t.target} | ${t.value ?? 'not measured'} | ${t.met === null ? 'not measured' : t.met ? 'yes' : '**no**'} |`).join('\n')}

## Full table

\`\`\`
${table}
\`\`\`
${raw.notes ? `\n## Notes\n\n${raw.notes}\n` : ''}`;
}
