// Scenario 3: createTransaction through the gateway, N closed-loop callers for a fixed time, over
// many distinct accounts (random pairs) and over one hot pair (both directions, one row pair).
import { randomUUID } from 'node:crypto';
import { postJson } from '../lib/http-client.mjs';
import { summarize } from '../lib/stats.mjs';

export const transferMutation = 'mutation Transfer($i: CreateTransactionInput!) { createTransaction(input: $i) { id } }';

export async function transfer(agent, gatewayUrl, from, to, amount = '0.01') {
  const { status, json, ms } = await postJson(agent, gatewayUrl, {
    query: transferMutation,
    variables: { i: { accountIdFrom: from, accountIdTo: to, amount, idempotencyKey: randomUUID() } },
    operationName: 'Transfer',
  });
  const id = json?.data?.createTransaction?.id;
  return {
    ok: status === 200 && typeof id === 'string' && !json.errors,
    ms,
    code: json?.errors?.[0]?.extensions?.code ?? (status === 200 ? undefined : `HTTP_${status}`),
  };
}

async function closedLoop({ agent, gatewayUrl, callers, durationS, pickPair }) {
  const latenciesMs = [];
  const refusals = {};
  let accepted = 0;
  const endMs = Date.now() + durationS * 1000;
  const startedMs = Date.now();
  const caller = async (c) => {
    let n = 0;
    while (Date.now() < endMs) {
      const [from, to] = pickPair(c, n++);
      try {
        const r = await transfer(agent, gatewayUrl, from, to);
        if (r.ok) {
          accepted += 1;
          latenciesMs.push(r.ms);
        } else refusals[r.code ?? 'UNKNOWN'] = (refusals[r.code ?? 'UNKNOWN'] ?? 0) + 1;
      } catch (error) {
        refusals.NETWORK = (refusals.NETWORK ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: callers }, (_, c) => caller(c)));
  const elapsedS = (Date.now() - startedMs) / 1000;
  return { per_s: Math.round(accepted / elapsedS), accepted, refused: refusals, latency_ms: summarize(latenciesMs), callers };
}

/** Runs a phase and adds CPU µs per accepted transfer of each process (`cpuMs()` → { name: ms | null }). */
async function withCpu(cpuMs, phase) {
  const before = cpuMs?.();
  const result = await phase();
  const after = cpuMs?.();
  if (before && after && result.accepted > 0) {
    result.cpu_us_per_transfer = Object.fromEntries(
      Object.entries(before)
        .filter(([name, ms]) => ms !== null && after[name] !== null)
        .map(([name, ms]) => [name, Math.round(((after[name] - ms) * 1000) / result.accepted)]),
    );
  }
  return result;
}

export async function runTransfers({ agent, gatewayUrl, accounts, hotPair, callers, durationS, warmupS, log, cpuMs }) {
  const randomPair = () => {
    const a = (Math.random() * accounts.length) | 0;
    let b = (Math.random() * (accounts.length - 1)) | 0;
    if (b >= a) b += 1;
    return [accounts[a], accounts[b]];
  };
  const hot = (c, n) => ((c + n) % 2 === 0 ? hotPair : [hotPair[1], hotPair[0]]);
  const warmup = await closedLoop({ agent, gatewayUrl, callers, durationS: warmupS, pickPair: randomPair });
  const distinct = await withCpu(cpuMs, () => closedLoop({ agent, gatewayUrl, callers, durationS, pickPair: randomPair }));
  log(
    `transfers distinct: ${distinct.per_s}/s accepted, p99 ${distinct.latency_ms.p99} ms, refused ${JSON.stringify(distinct.refused)}, CPU µs per transfer ${JSON.stringify(distinct.cpu_us_per_transfer ?? {})}`,
  );
  const hotPairResult = await withCpu(cpuMs, () => closedLoop({ agent, gatewayUrl, callers, durationS, pickPair: hot }));
  log(
    `transfers hot pair: ${hotPairResult.per_s}/s accepted, p99 ${hotPairResult.latency_ms.p99} ms, refused ${JSON.stringify(hotPairResult.refused)}, CPU µs per transfer ${JSON.stringify(hotPairResult.cpu_us_per_transfer ?? {})}`,
  );
  return { warmup_accepted: warmup.accepted, distinct, hot_pair: hotPairResult };
}
