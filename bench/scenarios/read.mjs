// Scenario 1: federated read throughput with autocannon, every target against the same subgraphs.
// Three cells: random id over all accounts and one hot id, both as the one admin caller, and
// "clients": 1,000 distinct client tokens, each reading its own account (no identity-keyed cache,
// merge or shared connection can serve one caller's read to another). Every cell is measured
// `repetitions` times, targets alternating (the order rotates every round), each measurement after
// its own warm-up; a cell reports the median with min–max of req/s, latency and CPU per request.
// Every answer under load is checked to be for the id asked, with a balance (not only "no errors").
import autocannon from 'autocannon';
import { summarize } from '../lib/stats.mjs';
import { postJson } from '../lib/http-client.mjs';
import { benchHeaders } from '../lib/auth.mjs';

export const readQuery = 'query Read($id: ID!) { account(id: $id) { id client { name email } balance { amount version } } }';
export const readCells = ['random', 'hot', 'clients'];

function bodyFor(id) {
  return JSON.stringify({ query: readQuery, variables: { id }, operationName: 'Read' });
}

/** Counts a response as wrong unless it is a 200 answer, without errors, for `id`, with a balance. */
export function isRightAnswer(status, body, id) {
  if (status !== 200) return false;
  try {
    const json = JSON.parse(body);
    const account = json?.data?.account;
    return (
      json.errors === undefined &&
      account?.id === id &&
      typeof account.balance?.amount === 'string' &&
      Number.isInteger(account.balance?.version) &&
      typeof account.client?.email === 'string'
    );
  } catch {
    return false;
  }
}

/** One autocannon run; `pick()` → { id, authorization } per request. Latencies per response (p95 exists). */
function cannon(url, { connections, durationS, pick, headers }) {
  return new Promise((resolve, reject) => {
    const latenciesMs = [];
    let wrongCount = 0;
    const first = pick();
    const request = {
      method: 'POST',
      path: new URL(url).pathname,
      headers: { ...headers, authorization: first.authorization },
      body: bodyFor(first.id),
      setupRequest: (req, context) => {
        const { id, authorization } = pick();
        context.id = id;
        return { ...req, body: bodyFor(id), headers: { ...headers, authorization } };
      },
      onResponse: (status, body, context) => {
        if (!isRightAnswer(status, body, context.id)) wrongCount += 1;
      },
    };
    const instance = autocannon({ url, connections, duration: durationS, pipelining: 1, timeout: 10, requests: [request] }, (error, result) => {
      if (error) return reject(error);
      const completed = result.requests.total;
      resolve({
        rps: Math.round(completed / (result.duration || durationS)),
        latency_ms: summarize(latenciesMs),
        errors: result.errors + result.timeouts + result.non2xx,
        wrong_answers: wrongCount,
        requests: completed,
      });
    });
    instance.on('response', (_client, _status, _bytes, responseTimeMs) => latenciesMs.push(responseTimeMs));
  });
}

/** Checks that every target answers the same JSON as the limit handler for a known id. */
export async function checkSameAnswers(targets, id, agent) {
  const answers = {};
  for (const [name, url] of Object.entries(targets)) {
    const { status, json } = await postJson(agent, url, bodyFor(id));
    if (status !== 200 || json.errors) throw new Error(`${name} answered ${status}: ${JSON.stringify(json).slice(0, 300)}`);
    answers[name] = json.data;
  }
  const canonical = (v) => JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));
  const reference = canonical(answers.limit ?? Object.values(answers)[0]);
  for (const [name, data] of Object.entries(answers)) {
    if (canonical(data) !== reference) throw new Error(`${name} answers differently: ${canonical(data)} vs ${reference}`);
  }
  return answers;
}

const median = (values) => {
  const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : Math.round(((sorted[mid - 1] + sorted[mid]) / 2) * 10) / 10;
};
const range = (values) => {
  const present = values.filter((v) => v !== null && v !== undefined);
  return present.length ? [Math.min(...present), Math.max(...present)] : null;
};

/** Median (and min–max) over repetitions of every figure of a cell; errors and wrong answers summed. */
export function combineRuns(runs) {
  const of = (get) => runs.map(get);
  const cpuKeys = [...new Set(runs.flatMap((r) => Object.keys(r).filter((k) => k.endsWith('_cpu_us_per_req'))))];
  const subgraphs = (r) =>
    (r.wallet_cpu_us_per_req ?? null) === null && (r.balance_cpu_us_per_req ?? null) === null
      ? null
      : (r.wallet_cpu_us_per_req ?? 0) + (r.balance_cpu_us_per_req ?? 0);
  return {
    repetitions: runs.length,
    rps: median(of((r) => r.rps)),
    rps_range: range(of((r) => r.rps)),
    latency_ms: { p50: median(of((r) => r.latency_ms.p50)), p95: median(of((r) => r.latency_ms.p95)), p99: median(of((r) => r.latency_ms.p99)) },
    p99_range: range(of((r) => r.latency_ms.p99)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    wrong_answers: runs.reduce((sum, r) => sum + r.wrong_answers, 0),
    requests: runs.reduce((sum, r) => sum + r.requests, 0),
    ...Object.fromEntries(
      cpuKeys.flatMap((k) => [
        [k, median(of((r) => r[k] ?? null))],
        [`${k}_range`, range(of((r) => r[k] ?? null))],
      ]),
    ),
    subgraphs_cpu_us_per_req: median(of(subgraphs)),
    subgraphs_cpu_us_per_req_range: range(of(subgraphs)),
    runs,
  };
}

/** { id, authorization } pickers of the three cells. */
function pickers({ ids, hotId, clients, adminAuthorization }) {
  return {
    random: () => ({ id: ids[(Math.random() * ids.length) | 0], authorization: adminAuthorization }),
    hot: () => ({ id: hotId, authorization: adminAuthorization }),
    clients: () => clients[(Math.random() * clients.length) | 0],
  };
}

/**
 * targets: { name: url }; clients: [{ id, authorization }] (each a client token reading its own
 * account). Returns { random: { [conns]: { [name]: cell } }, hot: …, clients: … }.
 */
export async function runReads({ targets, ids, hotId, clients, levels, durationS, warmupS, repetitions, log, cpuMs }) {
  const names = Object.keys(targets);
  const headers = { 'content-type': 'application/json' };
  const pick = pickers({ ids, hotId, clients, adminAuthorization: (await benchHeaders()).authorization });
  const cells = clients.length > 0 ? readCells : readCells.filter((c) => c !== 'clients');
  const runs = Object.fromEntries(cells.map((cell) => [cell, Object.fromEntries(levels.map((l) => [l, Object.fromEntries(names.map((n) => [n, []]))]))]));
  // Every target is freshly started: one unmeasured pass first, so the first in the order does not
  // pay for its JIT warming up (the per-measurement warm-up alone is too short for that in --quick).
  for (const name of names) await cannon(targets[name], { connections: levels[0], pick: pick.random, headers, durationS: Math.max(1, warmupS) });
  let round = 0;
  for (let repetition = 1; repetition <= repetitions; repetition += 1) {
    for (const cell of cells) {
      for (const connections of levels) {
        const order = names.map((_, i) => names[(i + round) % names.length]);
        round += 1;
        for (const name of order) {
          const options = { connections, headers, pick: pick[cell] };
          await cannon(targets[name], { ...options, durationS: warmupS });
          const cpuBefore = cpuMs(name);
          const run = await cannon(targets[name], { ...options, durationS });
          const cpuAfter = cpuMs(name);
          // CPU per request is the figure that survives a noisy, shared machine best.
          for (const [process, before] of Object.entries(cpuBefore)) {
            if (before !== null && cpuAfter[process] !== null && run.requests > 0)
              run[`${process}_cpu_us_per_req`] = Math.round(((cpuAfter[process] - before) * 1000) / run.requests);
          }
          runs[cell][connections][name].push(run);
          log(
            `read ${repetition}/${repetitions} ${cell.padEnd(7)} c=${String(connections).padStart(3)} ${name.padEnd(15)} ${String(run.rps).padStart(6)} req/s  p99 ${run.latency_ms.p99} ms  errors ${run.errors} wrong ${run.wrong_answers}  CPU/req: target ${run.target_cpu_us_per_req} µs, subgraphs ${(run.wallet_cpu_us_per_req ?? 0) + (run.balance_cpu_us_per_req ?? 0)} µs`,
          );
        }
      }
    }
  }
  return Object.fromEntries(
    cells.map((cell) => [cell, Object.fromEntries(levels.map((l) => [l, Object.fromEntries(names.map((n) => [n, combineRuns(runs[cell][l][n])]))]))]),
  );
}
