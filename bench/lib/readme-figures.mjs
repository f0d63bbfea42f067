// The README's benchmark figures, generated from a run's JSON (bench/results/latest.json) and kept
// between two markers in README.md, so the figures there are the committed JSON's and nothing else.
// `node bench/tools/readme-figures.mjs --check` fails when they differ; `--record` rewrites them.
import { readFileSync, writeFileSync } from 'node:fs';

export const begin = '<!-- bench-figures:begin (generated from bench/results/latest.json by bench/tools/readme-figures.mjs; do not edit) -->';
export const end = '<!-- bench-figures:end -->';

const n = (v) => (v === null || v === undefined ? '—' : typeof v === 'number' ? v.toLocaleString('en-US') : String(v));
const span = (r) => (r ? ` (${n(r[0])}–${n(r[1])})` : '');

/** Markdown for the README from a latest.json object. */
export function readmeFigures(latest) {
  const d = latest.details ?? {};
  const reads = latest.read
    ? ` Read cells: median of ${latest.read.repetitions ?? '?'} interleaved repetitions (min–max), ${latest.read.connections ?? '?'} connections:`
    : '';
  const lines = [
    `Recorded run of ${d.date ?? latest.date ?? '?'} (${d.mode ?? '?'} mode, load average ${(d.machine?.load_before ?? []).join(' ')} before the run, ${d.machine?.nproc ?? '?'} cores, ${d.workers ?? 1} process(es) per target).${reads}`,
    '',
  ];
  if (latest.note) lines.push(`_${latest.note}_`, '');
  const cells = latest.read?.cells ?? {};
  const targets = ['ours', 'stock_apollo', 'stock_apollo_ka', 'hive', 'hive_jit', 'limit'].filter((t) => Object.values(cells).some((c) => c[t]));
  if (targets.length) {
    lines.push(`| mix | ${targets.map((t) => `${t} req/s (gateway CPU µs/read)`).join(' | ')} |`, `| --- | ${targets.map(() => '---').join(' | ')} |`);
    for (const [cell, row] of Object.entries(cells))
      lines.push(`| ${cell} | ${targets.map((t) => (row[t] ? `${n(row[t].rps)}${span(row[t].rps_range)} (${n(row[t].cpu_us_per_req)})` : '—')).join(' | ')} |`);
    lines.push('');
  }
  const t = latest.transfers;
  if (t)
    lines.push(
      `Transfers through the gateway: ${n(t.distinct_per_s)}/s over distinct accounts, ${n(t.hot_pair_per_s)}/s on one hot pair (p99 ${n(t.p99_ms)} / ${n(t.hot_pair_p99_ms)} ms).`,
    );
  const p = latest.propagation_ms;
  if (p)
    lines.push(
      `Transfer ${p.measured_from === 'mutation sent' ? 'sent' : 'response'} → \`balanceUpdated\` at a subscriber: p99 ${n(p.event.p99)} ms at ${n(p.rate_per_s)} transfers/s${p.low_rate ? `, ${n(p.low_rate.event.p99)} ms at ${n(p.low_rate.rate_per_s)}/s` : ''}.`,
    );
  for (const s of latest.subscribers ?? [])
    lines.push(
      `${n(s.count)} subscribers as ${s.identities} (${n(s.identity_count)} identities): fan-out p99 ${n(s.fanout_p99_ms)} ms, gateway RSS ${n(s.gateway_rss_mb)} MB.`,
    );
  // Absent from runs recorded before the resume scenario existed: no line then.
  const r = latest.resume;
  if (r)
    lines.push(
      `Resume of ${n(r.missed_versions)} missed versions (\`balanceUpdated(afterVersion)\`): caught up in ${n(r.catch_up_ms)} ms${span(r.catch_up_range)} (${n(r.versions_per_s)} versions/s); \`balance(minVersion)\` right after a transfer: p50 ${n(r.min_version_read_ms?.p50)} ms, p99 ${n(r.min_version_read_ms?.p99)} ms.`,
    );
  if (latest.rss_mb?.gateway_under_reads) lines.push(`Gateway RSS under the read load: ${n(latest.rss_mb.gateway_under_reads)} MB.`);
  return lines.join('\n');
}

/** README text with the block between the markers replaced; throws when the markers are missing. */
export function withFigures(readme, latest) {
  const from = readme.indexOf(begin);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error('README.md has no bench-figures markers');
  return `${readme.slice(0, from + begin.length)}\n${readmeFigures(latest)}\n${readme.slice(to)}`;
}

export function writeReadmeFigures(readmeFile, latestFile) {
  writeFileSync(readmeFile, withFigures(readFileSync(readmeFile, 'utf8'), JSON.parse(readFileSync(latestFile, 'utf8'))));
}
