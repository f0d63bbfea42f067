// Scenario 6 (issue 17): a subscriber that missed 1,000 versions resumes with
// `balanceUpdated(afterVersion)` through the gateway (time until it has caught up, every version
// checked consecutive), and `balance(minVersion)` read right after a transfer (p50/p99), with a plain
// read right after a transfer interleaved (how often it is stale, which minVersion exists to avoid).
import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { benchHeaders } from '../lib/auth.mjs';
import { postJson } from '../lib/http-client.mjs';
import { summarize } from '../lib/stats.mjs';

export const resumeSubscription = 'subscription Resume($id: ID!, $after: Int) { balanceUpdated(accountId: $id, afterVersion: $after) { amount version } }';
export const readAtLeastQuery = 'query ReadAtLeast($id: ID!, $min: Int) { balance(accountId: $id, minVersion: $min) { amount version } }';
const transferWithVersions = 'mutation TransferVersions($i: CreateTransactionInput!) { createTransaction(input: $i) { balanceVersionFrom balanceVersionTo } }';
/** Callers moving money on the one pair while the subscriber is away (they serialize on its rows). */
const MISSING_CALLERS = 8;
const CATCH_UP_MS_MAX = 120_000;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const round1 = (v) => Math.round(v * 10) / 10;

async function transfer(agent, gatewayUrl, [from, to]) {
  const { status, json } = await postJson(agent, gatewayUrl, {
    query: transferWithVersions,
    variables: { i: { accountIdFrom: from, accountIdTo: to, amount: '0.01', idempotencyKey: randomUUID() } },
    operationName: 'TransferVersions',
  });
  const versions = json?.data?.createTransaction;
  if (status !== 200 || json.errors || typeof versions?.balanceVersionFrom !== 'number')
    throw new Error(`transfer failed (${status}): ${JSON.stringify(json?.errors ?? json).slice(0, 300)}`);
  return versions;
}

/** balance(minVersion) → { ms, version, code } (code: the first error's, e.g. MIN_VERSION_TIMEOUT). */
async function read(agent, gatewayUrl, id, min) {
  const { status, json, ms } = await postJson(agent, gatewayUrl, { query: readAtLeastQuery, variables: { id, min }, operationName: 'ReadAtLeast' });
  return { ms, version: json?.data?.balance?.version ?? null, code: json?.errors?.[0]?.extensions?.code ?? (status === 200 ? undefined : `HTTP_${status}`) };
}

/** Until the read model has `version` (a MIN_VERSION_TIMEOUT is retried: the projection may lag a burst). */
async function readModelAt(agent, gatewayUrl, id, version) {
  const deadlineMs = Date.now() + CATCH_UP_MS_MAX;
  for (;;) {
    const r = await read(agent, gatewayUrl, id, version);
    if (r.version !== null && r.version >= version) return;
    if (Date.now() > deadlineMs) throw new Error(`read model never reached version ${version} of ${id} (${r.code})`);
  }
}

/**
 * One resume through the gateway: subscribes with afterVersion = `after` on a fresh graphql-ws
 * connection and times until version `last` arrives, every version checked to be the next one.
 */
async function catchUp(wsUrl, id, after, last) {
  const { authorization } = await benchHeaders();
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    keepAlive: 0,
    connectionParams: () => ({ authorization }),
  });
  const startedMs = performance.now();
  let firstEventMs;
  try {
    return await new Promise((resolve, reject) => {
      let expected = after + 1;
      const timer = setTimeout(() => reject(new Error(`resume: at version ${expected - 1} of ${last} after ${CATCH_UP_MS_MAX} ms`)), CATCH_UP_MS_MAX);
      const done = (outcome) => {
        clearTimeout(timer);
        outcome();
      };
      client.subscribe(
        { query: resumeSubscription, variables: { id, after }, operationName: 'Resume' },
        {
          next: (result) => {
            const version = result.data?.balanceUpdated?.version;
            firstEventMs ??= performance.now() - startedMs;
            if (version !== expected) {
              done(() => reject(new Error(`resume: expected version ${expected}, got ${JSON.stringify(result).slice(0, 300)}`)));
              return;
            }
            expected += 1;
            if (version === last) done(() => resolve({ catchUpMs: performance.now() - startedMs, firstEventMs }));
          },
          error: (error) => done(() => reject(error instanceof Error ? error : new Error(JSON.stringify(error).slice(0, 300)))),
          complete: () => done(() => reject(new Error(`resume: stream completed at version ${expected - 1} of ${last}`))),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

/**
 * pair: [from, to], two accounts no other scenario touches. missed: versions the subscriber
 * missed; repetitions: resumes measured (the same missed range each time); reads: minVersion reads
 * (and as many plain reads, interleaved), each right after its own transfer.
 */
export async function runResume({ agent, gatewayUrl, wsUrl, pair, missed, repetitions, reads, log }) {
  const [from] = pair;
  const after = (await transfer(agent, gatewayUrl, pair)).balanceVersionFrom;
  let next = 0;
  let last = after;
  const missingStartedMs = performance.now();
  await Promise.all(
    Array.from({ length: MISSING_CALLERS }, async () => {
      while (next < missed) {
        next += 1;
        last = Math.max(last, (await transfer(agent, gatewayUrl, pair)).balanceVersionFrom);
      }
    }),
  );
  if (last !== after + missed) throw new Error(`resume: expected version ${after + missed} after ${missed} transfers, the last response said ${last}`);
  // The subscriber comes back once everything it missed is in the read model's history.
  await readModelAt(agent, gatewayUrl, from, last);
  log(`resume: ${missed} versions written in ${Math.round(performance.now() - missingStartedMs)} ms; resuming ${repetitions} times from version ${after}`);
  const catchUps = [];
  for (let i = 0; i < repetitions; i += 1) catchUps.push(await catchUp(wsUrl, from, after, last));
  const catchUpMs = catchUps.map((c) => c.catchUpMs);

  const minVersionMs = [];
  const minVersionCodes = {};
  let minVersionWrong = 0;
  const plainMs = [];
  let plainStale = 0;
  for (let i = 0; i < reads; i += 1) {
    // Alternately: a read with minVersion, then a plain read, each right after its own transfer.
    const withMin = await transfer(agent, gatewayUrl, pair);
    const r = await read(agent, gatewayUrl, from, withMin.balanceVersionFrom);
    if (r.code !== undefined) minVersionCodes[r.code] = (minVersionCodes[r.code] ?? 0) + 1;
    else {
      minVersionMs.push(r.ms);
      if (r.version === null || r.version < withMin.balanceVersionFrom) minVersionWrong += 1;
    }
    const plain = await transfer(agent, gatewayUrl, pair);
    const p = await read(agent, gatewayUrl, from, undefined);
    plainMs.push(p.ms);
    if (p.version === null || p.version < plain.balanceVersionFrom) plainStale += 1;
  }
  const result = {
    missed_versions: missed,
    repetitions,
    catch_up_ms: Math.round(median(catchUpMs)),
    catch_up_range: [Math.round(Math.min(...catchUpMs)), Math.round(Math.max(...catchUpMs))],
    first_event_ms: round1(median(catchUps.map((c) => c.firstEventMs))),
    versions_per_s: Math.round((missed / median(catchUpMs)) * 1000),
    min_version_read_ms: summarize(minVersionMs),
    min_version_refused: minVersionCodes,
    min_version_wrong: minVersionWrong,
    plain_read_ms: summarize(plainMs),
    plain_read_stale: plainStale,
    reads,
  };
  log(
    `resume: ${missed} missed versions caught up in ${result.catch_up_ms} ms (${result.catch_up_range.join('–')}), ${result.versions_per_s} versions/s; minVersion read p50/p99 ${result.min_version_read_ms.p50}/${result.min_version_read_ms.p99} ms; plain reads stale ${plainStale}/${reads}`,
  );
  return result;
}
