#!/usr/bin/env node
// Top self-time functions and packages of a V8 .cpuprofile (node --cpu-prof):
//   node bench/tools/profile-top.mjs bench/results/profiles/<file>.cpuprofile [count]
import { readFileSync } from 'node:fs';

const [file, countArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-top.mjs <file.cpuprofile> [count]');
const profile = JSON.parse(readFileSync(file, 'utf8'));
const count = Number(countArg ?? 25);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
const deltas = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i += 1) selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (deltas[i] ?? 0));
const idleIds = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
// Shares are of busy time: a benchmark profile spans idle phases (other targets under load).
const totalUs = [...selfUs].filter(([id]) => !idleIds.has(id)).reduce((a, [, us]) => a + us, 0);
const packageOf = (url) => {
  if (!url) return '(native/v8)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node core';
  const w = /\/work\/main\/([^/]+)\//.exec(url);
  return w ? `walletgraph/${w[1]}` : url;
};
const fnTotals = new Map();
const pkgTotals = new Map();
for (const [id, us] of selfUs) {
  if (idleIds.has(id)) continue;
  const node = byId.get(id);
  const f = node.callFrame;
  const name = `${f.functionName || '(anonymous)'} ${packageOf(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
  fnTotals.set(name, (fnTotals.get(name) ?? 0) + us);
  const pkg = f.functionName === '(idle)' || f.functionName === '(program)' || f.functionName === '(garbage collector)' ? f.functionName : packageOf(f.url);
  pkgTotals.set(pkg, (pkgTotals.get(pkg) ?? 0) + us);
}
const pct = (us) => `${((us / totalUs) * 100).toFixed(1).padStart(5)}%`;
console.log(`busy ${(totalUs / 1e6).toFixed(1)} s sampled (idle excluded; shares below are of busy time)`);
console.log('\nself time by package:');
for (const [pkg, us] of [...pkgTotals].sort((a, b) => b[1] - a[1]).slice(0, count)) console.log(`  ${pct(us)}  ${pkg}`);
console.log('\nself time by function:');
for (const [fn, us] of [...fnTotals].sort((a, b) => b[1] - a[1]).slice(0, count)) console.log(`  ${pct(us)}  ${fn}`);
