// Scenario 2: gateway overhead at low load: one caller, sequential requests. "Direct" is what a
// client would do without a gateway: the wallet query, then the balance entity query (the same two
// fetches, in the same order, as the gateway's query plan).
import { postJson } from '../lib/http-client.mjs';
import { summarize } from '../lib/stats.mjs';
import { readQuery } from './read.mjs';

const walletQuery = 'query($id:ID!){account(id:$id){id client{name email}}}';
const balanceQuery = 'query($r:[_Any!]!){_entities(representations:$r){...on Account{balance{amount version}}}}';

async function timed(fn) {
  const startedNs = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - startedNs) / 1e6;
}

async function expectOk(promise) {
  const { status, json } = await promise;
  if (status !== 200 || json.errors) throw new Error(`overhead: ${status} ${JSON.stringify(json).slice(0, 200)}`);
}

export async function runOverhead({ gatewayUrl, subgraphs, ids, requestCount, agent }) {
  const direct = [];
  const through = [];
  const warmupCount = Math.min(200, requestCount);
  for (let i = 0; i < warmupCount + requestCount; i += 1) {
    const id = ids[i % ids.length];
    // Alternate which path goes first so neither benefits from a warmer cache.
    const viaDirect = () =>
      timed(async () => {
        await expectOk(postJson(agent, subgraphs.wallet, { query: walletQuery, variables: { id } }));
        await expectOk(postJson(agent, subgraphs.balance, { query: balanceQuery, variables: { r: [{ __typename: 'Account', id }] } }));
      });
    const viaGateway = () => timed(() => expectOk(postJson(agent, gatewayUrl, { query: readQuery, variables: { id }, operationName: 'Read' })));
    const [a, b] = i % 2 === 0 ? [await viaDirect(), await viaGateway()] : [await viaGateway(), await viaDirect()].reverse();
    if (i >= warmupCount) {
      direct.push(a);
      through.push(b);
    }
  }
  const d = summarize(direct);
  const g = summarize(through);
  return {
    direct_ms: d,
    gateway_ms: g,
    ratio_p50: g.p50 && d.p50 ? Math.round((g.p50 / d.p50) * 100) / 100 : null,
    added_p50_ms: Math.round((g.p50 - d.p50) * 10) / 10,
  };
}
