// Scenario 1: federated read throughput with autocannon, every target against the same subgraphs,
// alternating (the order rotates per round), each measurement after its own warm-up.
import autocannon from 'autocannon';
import { summarize } from '../lib/stats.mjs';
import { postJson } from '../lib/http-client.mjs';
import { benchHeaders } from '../lib/auth.mjs';

export const readQuery = 'query Read($id: ID!) { account(id: $id) { id client { name email } balance { amount version } } }';

function bodyFor(id) {
  return JSON.stringify({ query: readQuery, variables: { id }, operationName: 'Read' });
}

/** One autocannon run; latencies recorded per response so p95 exists (autocannon has p97.5). */
function cannon(url, { connections, durationS, ids, hotId, headers }) {
  return new Promise((resolve, reject) => {
    const latenciesMs = [];
    let graphqlErrorCount = 0;
    const request = {
      method: 'POST',
      path: new URL(url).pathname,
      headers,
      body: bodyFor(hotId ?? ids[0]),
      ...(hotId ? {} : { setupRequest: (req) => ({ ...req, body: bodyFor(ids[(Math.random() * ids.length) | 0]) }) }),
      onResponse: (status, body) => {
        if (status !== 200 || body.includes('"errors"')) graphqlErrorCount += 1;
      },
    };
    const instance = autocannon({ url, connections, duration: durationS, pipelining: 1, timeout: 10, requests: [request] }, (error, result) => {
      if (error) return reject(error);
      const completed = result.requests.total;
      resolve({
        rps: Math.round(completed / (result.duration || durationS)),
        latency_ms: summarize(latenciesMs),
        errors: result.errors + result.timeouts + result.non2xx + graphqlErrorCount,
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

/**
 * targets: { name: url }; returns { random: { [conns]: { [name]: run } }, hot: … }.
 * onPhase(name) lets the caller attribute memory samples to the target under load.
 */
export async function runReads({ targets, ids, hotId, levels, durationS, warmupS, log, cpuMs }) {
  const names = Object.keys(targets);
  // Every target gets the same bearer token (ours verifies it; the peers have no authentication).
  const headers = { 'content-type': 'application/json', authorization: (await benchHeaders()).authorization };
  const results = { random: {}, hot: {} };
  // Every target is freshly started: one unmeasured pass first, so the first in the order does not
  // pay for its JIT warming up (the per-measurement warm-up alone is too short for that in --quick).
  for (const name of names) await cannon(targets[name], { connections: levels[0], ids, headers, durationS: warmupS });
  let round = 0;
  for (const mix of ['random', 'hot']) {
    for (const connections of levels) {
      const order = names.map((_, i) => names[(i + round) % names.length]);
      round += 1;
      results[mix][connections] = {};
      for (const name of order) {
        const options = { connections, ids, headers, hotId: mix === 'hot' ? hotId : undefined };
        await cannon(targets[name], { ...options, durationS: warmupS });
        const cpuBefore = cpuMs(name);
        const run = await cannon(targets[name], { ...options, durationS });
        const cpuAfter = cpuMs(name);
        // CPU per request is the figure that survives a noisy, shared machine best.
        for (const [process, before] of Object.entries(cpuBefore)) {
          if (before !== null && cpuAfter[process] !== null && run.requests > 0) run[`${process}_cpu_us_per_req`] = Math.round(((cpuAfter[process] - before) * 1000) / run.requests);
        }
        results[mix][connections][name] = run;
        log(`read ${mix.padEnd(6)} c=${String(connections).padStart(3)} ${name.padEnd(12)} ${String(run.rps).padStart(6)} req/s  p50 ${run.latency_ms.p50} p95 ${run.latency_ms.p95} p99 ${run.latency_ms.p99} ms  errors ${run.errors}  CPU/req: target ${run.target_cpu_us_per_req} µs, subgraphs ${(run.wallet_cpu_us_per_req ?? 0) + (run.balance_cpu_us_per_req ?? 0)} µs`);
      }
    }
  }
  return results;
}
