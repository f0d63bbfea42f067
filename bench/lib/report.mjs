// The summary JSON (bench/results/latest.json), the target checks (issue 18), the human table and
// bench/RESULTS.md (pure formatting). Read cells are medians of interleaved repetitions, with min–max.
import { ratio } from './stats.mjs';

export const readTargets = ['ours', 'stock_apollo', 'stock_apollo_ka', 'hive', 'hive_jit', 'limit'];
const cellNames = ['random', 'hot', 'clients'];
const pick = (reads, cell, level, name) => reads?.[cell]?.[level]?.[name];

/** Best of a peer's configurations by req/s (its "at its best" figure), with which one it was. */
function best(reads, cell, level, names) {
  const present = names.map((n) => [n, pick(reads, cell, level, n)]).filter(([, r]) => r?.rps);
  if (present.length === 0) return null;
  const [name, r] = present.reduce((a, b) => (b[1].rps > a[1].rps ? b : a));
  return { name, rps: r.rps, target_cpu_us_per_req: r.target_cpu_us_per_req ?? null };
}

/** Lowest CPU per request among a peer's configurations (what "its best configuration" costs). */
function leanest(reads, cell, level, names) {
  const values = names.map((n) => pick(reads, cell, level, n)?.target_cpu_us_per_req).filter((v) => v !== null && v !== undefined);
  return values.length ? Math.min(...values) : null;
}

function readSummary(raw) {
  const levels = Object.keys(raw.read?.random ?? {}).map(Number);
  const level = levels.includes(64) ? 64 : levels[0];
  const cells = Object.fromEntries(
    cellNames
      .filter((cell) => raw.read?.[cell])
      .map((cell) => [
        cell,
        Object.fromEntries(
          readTargets
            .filter((n) => pick(raw.read, cell, level, n))
            .map((n) => {
              const r = pick(raw.read, cell, level, n);
              return [
                n,
                {
                  rps: r.rps,
                  rps_range: r.rps_range,
                  p99_ms: r.latency_ms.p99,
                  p99_range: r.p99_range,
                  cpu_us_per_req: r.target_cpu_us_per_req ?? null,
                  cpu_range: r.target_cpu_us_per_req_range ?? null,
                  subgraphs_cpu_us_per_req: r.subgraphs_cpu_us_per_req,
                  subgraphs_cpu_range: r.subgraphs_cpu_us_per_req_range,
                  errors: r.errors,
                  wrong_answers: r.wrong_answers,
                },
              ];
            }),
        ),
      ]),
  );
  const ratios = {};
  for (const cell of Object.keys(cells)) {
    const ours = cells[cell].ours;
    if (!ours) continue;
    const stockCpu = leanest(raw.read, cell, level, ['stock_apollo', 'stock_apollo_ka']);
    const hiveCpu = leanest(raw.read, cell, level, ['hive', 'hive_jit']);
    ratios[cell] = {
      rps_over_stock_best: ratio(ours.rps, best(raw.read, cell, level, ['stock_apollo', 'stock_apollo_ka'])?.rps),
      rps_over_hive_best: ratio(ours.rps, best(raw.read, cell, level, ['hive', 'hive_jit'])?.rps),
      rps_over_limit: ratio(ours.rps, cells[cell].limit?.rps),
      cpu_over_stock_best: ratio(ours.cpu_us_per_req, stockCpu),
      cpu_over_hive_best: ratio(ours.cpu_us_per_req, hiveCpu),
      cpu_over_limit: ratio(ours.cpu_us_per_req, cells[cell].limit?.cpu_us_per_req),
    };
  }
  return { connections: level ?? null, repetitions: raw.profile?.readRepetitions ?? null, cells, ratios };
}

const strip = (s) => ({ p50: s.p50, p95: s.p95, p99: s.p99 });

export function summaryOf(raw) {
  const subs = raw.subscribers ?? [];
  const maxOver = (name) => Math.max(0, ...Object.values(raw.rss_mb_by_scenario ?? {}).map((s) => s[name] ?? 0)) || null;
  const t = raw.transfers;
  return {
    read: raw.read ? readSummary(raw) : null,
    overhead_ratio: raw.overhead?.ratio_p50 ?? null,
    transfers: t
      ? {
          distinct_per_s: t.distinct.per_s,
          hot_pair_per_s: t.hot_pair.per_s,
          p99_ms: t.distinct.latency_ms.p99,
          hot_pair_p99_ms: t.hot_pair.latency_ms.p99,
          cpu_us_per_transfer: { distinct: t.distinct.cpu_us_per_transfer ?? null, hot_pair: t.hot_pair.cpu_us_per_transfer ?? null },
          refused: { distinct: t.distinct.refused, hot_pair: t.hot_pair.refused },
          ledger: t.ledger ?? null,
        }
      : null,
    propagation_ms: raw.propagation
      ? {
          measured_from: 'mutation sent',
          event: strip(raw.propagation.event),
          readable: strip(raw.propagation.readable),
          readable_poll_interval_ms: raw.propagation.readable_poll_interval_ms ?? null,
          event_with_polls: raw.propagation.event_with_polls ? strip(raw.propagation.event_with_polls) : null,
          rate_per_s: raw.propagation.achieved_per_s,
          lost_events: raw.propagation.lost_events,
          ...(raw.propagation_low_rate
            ? {
                low_rate: {
                  rate_per_s: raw.propagation_low_rate.achieved_per_s,
                  event: strip(raw.propagation_low_rate.event),
                  readable: strip(raw.propagation_low_rate.readable),
                },
              }
            : {}),
        }
      : null,
    subscribers: subs.map((s) => ({
      count: s.count,
      identities: s.identities,
      identity_count: s.identity_count,
      fanout_p99_ms: s.fanout_ms.p99,
      deliveries: s.deliveries,
      deliveries_expected: s.deliveries_expected,
      gateway_rss_mb: raw.rss_mb_by_scenario?.[`subscribers_${s.count}_${s.identities}`]?.gateway ?? null,
    })),
    resume: raw.resume
      ? {
          missed_versions: raw.resume.missed_versions,
          catch_up_ms: raw.resume.catch_up_ms,
          catch_up_range: raw.resume.catch_up_range,
          versions_per_s: raw.resume.versions_per_s,
          min_version_read_ms: strip(raw.resume.min_version_read_ms),
          min_version_reads: raw.resume.reads,
          min_version_refused: raw.resume.min_version_refused,
          min_version_wrong: raw.resume.min_version_wrong,
          plain_read_stale: raw.resume.plain_read_stale,
        }
      : null,
    rss_mb: {
      gateway_under_reads: raw.rss_mb_by_scenario?.read?.gateway ?? null,
      gateway: maxOver('gateway'),
      wallet: maxOver('wallet'),
      balance: maxOver('balance'),
    },
    reconciler: raw.reconciler ?? null,
  };
}

/** [{ target, value, met }] against issue 18's targets; met null when not measured. */
export function targetsOf(summary, raw) {
  const s = summary;
  const check = (value, ok) => (value === null || value === undefined ? null : ok(value));
  const cpu = (cell) => s.read?.ratios?.[cell] ?? {};
  const subgraphsCpu = (cell) => s.read?.cells?.[cell]?.ours?.subgraphs_cpu_us_per_req ?? null;
  const sub10k = (raw.subscribers ?? []).find((x) => x.count >= 10_000 && x.identities === 'admin');
  const rows = [
    { target: 'transfers ≥ 1,000/s over distinct accounts', value: s.transfers?.distinct_per_s, met: check(s.transfers?.distinct_per_s, (v) => v >= 1000) },
    { target: 'transfers ≥ 500/s on one hot pair', value: s.transfers?.hot_pair_per_s, met: check(s.transfers?.hot_pair_per_s, (v) => v >= 500) },
    {
      target: 'nothing lost: reconciler consistent after the run',
      value: s.reconciler?.status ?? null,
      met: s.reconciler ? s.reconciler.status === 'consistent' : null,
    },
    {
      target: 'transfer → subscriber p99 ≤ 50 ms at 200 transfers/s (from the send)',
      value: s.propagation_ms?.event.p99 ?? null,
      met: check(s.propagation_ms?.event.p99, (v) => v <= 50),
    },
    {
      target: 'balance(minVersion) right after a transfer: that version or newer, never a timeout',
      value: s.resume
        ? `${s.resume.min_version_wrong} older, ${Object.values(s.resume.min_version_refused).reduce((a, b) => a + b, 0)} refused of ${s.resume.min_version_reads}`
        : null,
      met: s.resume ? s.resume.min_version_wrong === 0 && Object.keys(s.resume.min_version_refused).length === 0 : null,
    },
    { target: 'gateway RSS ≤ 200 MB under the read load', value: s.rss_mb?.gateway_under_reads, met: check(s.rss_mb?.gateway_under_reads, (v) => v <= 200) },
  ];
  if (s.read?.cells) {
    const wrong = Object.values(s.read.cells).flatMap((row) =>
      Object.entries(row)
        .filter(([, r]) => r.wrong_answers > 0 || r.errors > 0)
        .map(([n, r]) => `${n}: ${r.errors} errors, ${r.wrong_answers} wrong`),
    );
    rows.push({
      target: 'every answer under load is for the id asked, with its balance (all targets, all cells)',
      value: wrong.length ? wrong.join('; ') : 'all right',
      met: wrong.length === 0,
    });
  }
  for (const cell of ['random', 'clients']) {
    if (!s.read?.cells?.[cell]) continue;
    // A cell whose answers were wrong measured something else: its CPU ratios cannot count as met.
    const right = (s.read.cells[cell].ours?.wrong_answers ?? 0) === 0;
    const check = (value, ok) => (value === null || value === undefined ? null : right && ok(value));
    rows.push(
      {
        target: `gateway CPU per read ≤ 1/3 of stock @apollo/gateway's best (${cell})`,
        value: cpu(cell).cpu_over_stock_best,
        met: check(cpu(cell).cpu_over_stock_best, (v) => v <= 1 / 3),
      },
      {
        target: `gateway CPU per read ≤ 1/3 of Hive Gateway's best (${cell})`,
        value: cpu(cell).cpu_over_hive_best,
        met: check(cpu(cell).cpu_over_hive_best, (v) => v <= 1 / 3),
      },
      {
        target: `gateway CPU per read ≤ 1.5× the plain handler's (${cell})`,
        value: cpu(cell).cpu_over_limit,
        met: check(cpu(cell).cpu_over_limit, (v) => v <= 1.5),
      },
      { target: `subgraph CPU per federated read ≤ 800 µs (${cell})`, value: subgraphsCpu(cell), met: check(subgraphsCpu(cell), (v) => v <= 800) },
    );
  }
  if (sub10k)
    rows.push({
      target: '10,000 subscribers, fan-out p99 ≤ 100 ms',
      value: sub10k.fanout_ms.p99,
      met: sub10k.fanout_ms.p99 !== null && sub10k.fanout_ms.p99 <= 100 && sub10k.deliveries >= sub10k.deliveries_expected,
    });
  return rows.map((r) => ({ ...r, value: r.value ?? null }));
}

const pad = (v, n) => String(v ?? '—').padStart(n);
const span = (r) => (r ? `${r[0]}–${r[1]}` : '—');

export function humanTable(raw, summary, targets) {
  const lines = [];
  const titles = {
    random: `random id over ${raw.accounts} accounts, admin caller`,
    hot: 'one hot id, admin caller',
    clients: `${raw.profile?.clientCount ?? '?'} distinct client tokens, each its own account`,
  };
  for (const cell of cellNames) {
    if (!raw.read?.[cell]) continue;
    for (const [level, row] of Object.entries(raw.read[cell])) {
      lines.push(`Federated reads, ${titles[cell]}, ${level} connections, median of ${raw.profile?.readRepetitions} (min–max)`);
      lines.push(
        `  ${'target'.padEnd(16)}${'req/s'.padStart(8)}${'range'.padStart(12)}${'p99 ms'.padStart(9)}${'CPU µs/req'.padStart(12)}${'range'.padStart(12)}${'subgraphs'.padStart(11)}${'range'.padStart(12)}${'err'.padStart(5)}${'wrong'.padStart(7)}`,
      );
      for (const name of readTargets) {
        const r = row[name];
        if (!r) continue;
        lines.push(
          `  ${name.padEnd(16)}${pad(r.rps, 8)}${pad(span(r.rps_range), 12)}${pad(r.latency_ms.p99, 9)}${pad(r.target_cpu_us_per_req, 12)}${pad(span(r.target_cpu_us_per_req_range), 12)}${pad(r.subgraphs_cpu_us_per_req, 11)}${pad(span(r.subgraphs_cpu_us_per_req_range), 12)}${pad(r.errors, 5)}${pad(r.wrong_answers, 7)}`,
        );
      }
    }
  }
  for (const [cell, r] of Object.entries(summary.read?.ratios ?? {})) {
    lines.push(
      `  ${cell}: ours req/s over stock best ${r.rps_over_stock_best}, Hive best ${r.rps_over_hive_best}, limit ${r.rps_over_limit}; ours CPU/read over stock best ${r.cpu_over_stock_best}, Hive best ${r.cpu_over_hive_best}, limit ${r.cpu_over_limit}`,
    );
  }
  if (raw.overhead)
    lines.push(
      `Gateway overhead (1 caller): direct p50 ${raw.overhead.direct_ms.p50} ms, gateway p50 ${raw.overhead.gateway_ms.p50} ms, ratio ${raw.overhead.ratio_p50}`,
    );
  if (raw.transfers) {
    const t = raw.transfers;
    lines.push(
      `Transfers (${t.distinct.callers} callers): distinct ${t.distinct.per_s}/s p99 ${t.distinct.latency_ms.p99} ms; hot pair ${t.hot_pair.per_s}/s p99 ${t.hot_pair.latency_ms.p99} ms; refused ${JSON.stringify(t.distinct.refused)} / ${JSON.stringify(t.hot_pair.refused)}`,
    );
    lines.push(
      `  CPU µs per transfer (distinct / hot pair): ${['gateway', 'wallet', 'balance'].map((n) => `${n} ${t.distinct.cpu_us_per_transfer?.[n] ?? '—'} / ${t.hot_pair.cpu_us_per_transfer?.[n] ?? '—'}`).join(', ')}`,
    );
    if (t.ledger)
      lines.push(`  ledger: ${t.ledger.accepted} accepted, ${t.ledger.rows} new transaction rows, balances total unchanged: ${t.ledger.total_unchanged}`);
  }
  for (const [name, p] of [
    ['', raw.propagation],
    [' (below saturation)', raw.propagation_low_rate],
  ]) {
    if (p)
      lines.push(
        `Propagation @${p.achieved_per_s}/s${name}, from the send: event p50/p95/p99 ${p.event.p50}/${p.event.p95}/${p.event.p99} ms; readable (second pass) ${p.readable.p50}/${p.readable.p95}/${p.readable.p99} ms, its event p99 ${p.event_with_polls?.p99} ms; ${p.lost_events} lost, ${p.early_events} before the response`,
      );
  }
  for (const s of raw.subscribers ?? [])
    lines.push(
      `Subscribers ${s.count} as ${s.identities} (${s.identity_count} identities, ${s.connections} conns): fan-out from the send p50/p95/p99 ${s.fanout_ms.p50}/${s.fanout_ms.p95}/${s.fanout_ms.p99} ms, ${s.deliveries}/${s.deliveries_expected} deliveries, ${s.upstream_reconnects ?? '?'} upstream reconnects, gateway RSS ${raw.rss_mb_by_scenario?.[`subscribers_${s.count}_${s.identities}`]?.gateway} MB`,
    );
  if (raw.resume) {
    const r = raw.resume;
    lines.push(
      `Resume (afterVersion) of ${r.missed_versions} missed versions through the gateway: caught up in ${r.catch_up_ms} ms (${span(r.catch_up_range)}, median of ${r.repetitions}), ${r.versions_per_s} versions/s, first event after ${r.first_event_ms} ms`,
    );
    lines.push(
      `  balance(minVersion) right after a transfer: p50/p95/p99 ${r.min_version_read_ms.p50}/${r.min_version_read_ms.p95}/${r.min_version_read_ms.p99} ms, ${r.min_version_wrong} older, refused ${JSON.stringify(r.min_version_refused)}; plain read right after a transfer: p50/p99 ${r.plain_read_ms.p50}/${r.plain_read_ms.p99} ms, stale ${r.plain_read_stale}/${r.reads}`,
    );
  }
  if (raw.reconciler) lines.push(`Reconciler after the run: ${raw.reconciler.status} (exit ${raw.reconciler.exit})`);
  lines.push('Peak RSS (MB) per scenario:');
  const procs = ['gateway', 'wallet', 'balance', ...readTargets.slice(1)];
  lines.push(`  ${'scenario'.padEnd(26)}${procs.map((p) => p.padStart(16)).join('')}`);
  for (const [scenario, row] of Object.entries(raw.rss_mb_by_scenario ?? {}))
    lines.push(`  ${scenario.padEnd(26)}${procs.map((p) => pad(row[p], 16)).join('')}`);
  lines.push('Targets:');
  for (const t of targets) lines.push(`  ${t.met === null ? '  ?' : t.met ? ' ok' : 'MISS'}  ${t.target}: ${t.value ?? 'not measured'}`);
  return lines.join('\n');
}

export function resultsMarkdown(raw, summary, targets, table) {
  return `# Benchmark results

Produced by \`npm run bench -- ${raw.mode === 'quick' ? '--quick ' : ''}--record\` (see \`bench/README.md\`). Figures from one run, ${raw.date};
its JSON is \`bench/results/latest.json\` (and \`bench/results/${raw.file_date}.json\`), earlier runs beside it.
${raw.mode === 'quick' ? '\n**This is a quick-mode run** (short durations): indicative only.\n' : ''}
## Machine

- \`nproc\`: ${raw.machine.nproc}; CPU: ${raw.machine.cpu}
- memory: ${raw.machine.memory_gb} GB total
- Node ${raw.machine.node}; ${raw.machine.os}; versions: ${Object.entries(raw.versions ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}
- load average before / after the run: ${raw.machine.load_before.join(' ')} / ${raw.machine.load_after.join(' ')}
  (other work on the same 2 cores makes absolute figures noisy; the ratios, measured alternately in one run, are the robust part)
- every process on 127.0.0.1; ${raw.workers} process(es) per target; load generator (autocannon and the bench's own clients) on the same machine; run took ${raw.duration_s} s

## Targets

| target | value | met |
| --- | --- | --- |
${targets.map((t) => `| ${t.target} | ${t.value ?? 'not measured'} | ${t.met === null ? 'not measured' : t.met ? 'yes' : '**no**'} |`).join('\n')}

## Full table

\`\`\`
${table}
\`\`\`
`;
}
