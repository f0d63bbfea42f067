// Scenario 4 (propagation) and 5 (subscription scale): transfers at a steady rate over disjoint
// pairs, one in flight per pair; each response is matched to its balanceUpdated events by version.
import { createAgent, postJson } from '../lib/http-client.mjs';
import { createMatcher, openSubscribers } from '../lib/live.mjs';
import { summarize } from '../lib/stats.mjs';
import { transfer } from './transfers.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** pairs: [[from, to]]; versions: Map id → current version. Returns a sender bound to a matcher. */
function createPairSender({ agent, gatewayUrl, pairs, versions, matcher, onResponded }) {
  const state = pairs.map(([from, to]) => ({ from, to, fromVersion: versions.get(from), toVersion: versions.get(to), busy: false }));
  let cursor = 0;
  let failedCount = 0;
  const inFlight = new Set();
  const send = (pair) => {
    pair.busy = true;
    const sentMs = performance.now();
    const promise = transfer(agent, gatewayUrl, pair.from, pair.to)
      .then((r) => {
        const nowMs = performance.now();
        if (!r.ok) {
          failedCount += 1;
          return;
        }
        pair.fromVersion += 1;
        pair.toVersion += 1;
        matcher.responded(
          [
            [pair.from, pair.fromVersion],
            [pair.to, pair.toVersion],
          ],
          sentMs,
        );
        onResponded?.(pair, nowMs, sentMs);
      })
      .catch(() => {
        failedCount += 1;
      })
      .finally(() => {
        pair.busy = false;
        inFlight.delete(promise);
      });
    inFlight.add(promise);
  };
  return {
    /** Sends on the next free pair; false when all pairs are busy. */
    trySend() {
      for (let i = 0; i < state.length; i += 1) {
        const pair = state[(cursor + i) % state.length];
        if (!pair.busy) {
          cursor = (cursor + i + 1) % state.length;
          send(pair);
          return true;
        }
      }
      return false;
    },
    /** One transfer on every pair, then wait for them. */
    async everyPairOnce() {
      for (const pair of state) send(pair);
      await Promise.all(inFlight);
    },
    drain: () => Promise.all(inFlight),
    get failedCount() {
      return failedCount;
    },
  };
}

/** Open-loop pacing: sends ratePerS for durationS; a tick that finds every pair busy is "missed". */
async function paced(sender, ratePerS, durationS) {
  const startedMs = performance.now();
  let sent = 0;
  let missed = 0;
  while (performance.now() - startedMs < durationS * 1000) {
    const due = Math.floor(((performance.now() - startedMs) / 1000) * ratePerS);
    while (sent + missed < due) {
      if (sender.trySend()) sent += 1;
      else missed += 1;
    }
    await sleep(1);
  }
  await sender.drain();
  return { sent, missed, achieved_per_s: Math.round(sent / durationS) };
}

/** Rounds of one transfer per pair until every subscription has had an event (no subscribe ack exists). */
async function warmUntilLive(sender, matcher, subscriptionCount, timeoutMs, log) {
  const deadlineMs = Date.now() + timeoutMs;
  let rounds = 0;
  while (matcher.liveSubscriptionCount < subscriptionCount) {
    if (Date.now() > deadlineMs)
      throw new Error(
        `only ${matcher.liveSubscriptionCount} of ${subscriptionCount} subscriptions had an event after ${rounds} warm-up rounds (${timeoutMs} ms)`,
      );
    await sender.everyPairOnce();
    rounds += 1;
    const roundEndMs = Date.now() + 3_000;
    while (matcher.liveSubscriptionCount < subscriptionCount && Date.now() < roundEndMs) await sleep(50);
  }
  log(`${subscriptionCount} subscriptions live after ${rounds} warm-up round(s)`);
}

async function waitFor(predicate, timeoutMs, what) {
  const deadlineMs = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadlineMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Between two polls of one sampled transfer: a client's polling, not a load generator's. */
const readablePollIntervalMs = 5;

/** Polls balance(accountId) through the gateway every 5 ms until it shows `version`; ms after the mutation was sent. */
async function readableAfter(agent, gatewayUrl, accountId, version, sentMs, timeoutMs = 5_000) {
  const body = JSON.stringify({
    query: 'query Readable($id: ID!) { balance(accountId: $id) { version } }',
    variables: { id: accountId },
    operationName: 'Readable',
  });
  while (performance.now() - sentMs < timeoutMs) {
    const { json } = await postJson(agent, gatewayUrl, body);
    if ((json?.data?.balance?.version ?? 0) >= version) return performance.now() - sentMs;
    await sleep(readablePollIntervalMs);
  }
  return null;
}

/**
 * Two passes at ratePerS, one after the other on the same subscribers: the first measures only the
 * events (nothing but the transfers and the subscriptions loads the gateway), the second also polls
 * every readableSampleEvery-th transfer's balance until it shows the new version (and reports that
 * pass's event latency too, as event_with_polls). Before this split the polls ran beside the event
 * measurement, back to back with no pause (≈ 50 read loops in flight at 200/s): load the figure
 * should not carry. Measured both ways the difference was within run-to-run noise (bench/README.md).
 */
export async function runPropagation({ gatewayUrl, wsUrl, pairs, versions, ratePerS, durationS, readableSampleEvery, log }) {
  const agent = createAgent(256);
  const pollAgent = createAgent(64);
  const matcher = createMatcher();
  const readableMs = [];
  const polls = [];
  let respondedCount = 0;
  let errorCount = 0;
  let polling = false;
  const senders = pairs.map(([from]) => from);
  const subscribers = await openSubscribers({
    wsUrl,
    accountIds: senders,
    count: senders.length,
    perConnection: 10,
    onEvent: matcher.event,
    onError: () => (errorCount += 1),
  });
  try {
    const sender = createPairSender({
      agent,
      gatewayUrl,
      pairs,
      versions,
      matcher,
      onResponded: (pair, _nowMs, sentMs) => {
        respondedCount += 1;
        if (polling && respondedCount % readableSampleEvery === 0) {
          polls.push(readableAfter(pollAgent, gatewayUrl, pair.from, pair.fromVersion, sentMs).then((ms) => ms !== null && readableMs.push(ms)));
        }
      },
    });
    await warmUntilLive(sender, matcher, senders.length, 60_000, log);
    /** One paced pass; its events' latencies once every event of it has arrived (or 10 s passed). */
    const pass = async (name) => {
      matcher.startMeasuring();
      const pacing = await paced(sender, ratePerS, durationS);
      await Promise.all(polls);
      await waitFor(() => matcher.latenciesMs.length >= pacing.sent, 10_000, `the last events (${name})`).catch((error) =>
        log(`propagation: ${error.message}`),
      );
      return { pacing, event: summarize(matcher.latenciesMs), lost: Math.max(0, pacing.sent - matcher.latenciesMs.length) };
    };
    const events = await pass('events');
    polling = true;
    const withPolls = await pass('readable');
    polling = false;
    const result = {
      rate_per_s: ratePerS,
      ...events.pacing,
      transfer_failures: sender.failedCount,
      event: events.event,
      readable: summarize(readableMs),
      readable_poll_interval_ms: readablePollIntervalMs,
      event_with_polls: withPolls.event,
      lost_events: events.lost + withPolls.lost,
      early_events: matcher.earlyEventCount,
      subscriber_errors: errorCount,
    };
    log(
      `propagation @${ratePerS}/s (achieved ${events.pacing.achieved_per_s}/s): event p50 ${result.event.p50} p95 ${result.event.p95} p99 ${result.event.p99} ms; ` +
        `with polls: readable p50 ${result.readable.p50} p95 ${result.readable.p95} p99 ${result.readable.p99} ms, event p99 ${withPolls.event.p99} ms`,
    );
    return result;
  } finally {
    await subscribers.close();
    agent.destroy();
    pollAgent.destroy();
  }
}

/** gateway_upstream_reconnects_total from our gateway's /metrics (null when unavailable). */
async function upstreamReconnects(gatewayUrl) {
  try {
    const response = await fetch(new URL('/metrics', gatewayUrl));
    const text = await response.text();
    return [...text.matchAll(/^gateway_upstream_reconnects_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  } catch {
    return null;
  }
}

/**
 * count subscribers spread over the accounts of `pairs` (both sides), perConnection per WebSocket,
 * as the one admin or (authorizationOf given) as each account's own client; transfers at ratePerS;
 * every delivery's latency is measured from the moment its transfer was sent.
 */
export async function runSubscriberScale({
  gatewayUrl,
  wsUrl,
  pairs,
  versions,
  count,
  perConnection,
  ratePerS,
  durationS,
  log,
  rssNow,
  authorizationOf,
  identities = 'admin',
}) {
  const agent = createAgent(64);
  const matcher = createMatcher();
  let errorCount = 0;
  const firstErrors = [];
  const onError = (error) => {
    errorCount += 1;
    if (firstErrors.length < 3) firstErrors.push(error.message);
  };
  const accountIds = pairs.flat();
  const openedAtMs = performance.now();
  const reconnectsBefore = await upstreamReconnects(gatewayUrl);
  const subscribers = await openSubscribers({ wsUrl, accountIds, count, perConnection, onEvent: matcher.event, onError, authorizationOf });
  log(`subscribers (${identities}): ${count} open on ${subscribers.connectionCount} connections in ${Math.round(performance.now() - openedAtMs)} ms`);
  try {
    const sender = createPairSender({ agent, gatewayUrl, pairs, versions, matcher });
    // Every subscriber gets one event per warm-up round (both sides of each pair are covered).
    await warmUntilLive(sender, matcher, count, 180_000, log).catch((error) => {
      throw new Error(`${error.message}; ${errorCount} subscriber error(s)${firstErrors.length > 0 ? `, first: ${firstErrors.join(' | ')}` : ''}`);
    });
    if (errorCount > 0) throw new Error(`${errorCount} subscriptions failed (limits?), first: ${firstErrors.join(' | ')}`);
    const gatewayIdleMb = rssNow();
    matcher.startMeasuring();
    const pacing = await paced(sender, ratePerS, durationS);
    const deliveriesExpected = pacing.sent * (count / pairs.length);
    await waitFor(() => matcher.latenciesMs.length >= deliveriesExpected, 30_000, 'the last deliveries').catch((error) => log(`subscribers: ${error.message}`));
    const fanout = summarize(matcher.latenciesMs);
    const result = {
      count,
      identities,
      identity_count: identities === 'admin' ? 1 : Math.min(subscribers.connectionCount, accountIds.length),
      connections: subscribers.connectionCount,
      per_connection: perConnection,
      rate_per_s: ratePerS,
      ...pacing,
      deliveries: matcher.latenciesMs.length,
      deliveries_expected: Math.round(deliveriesExpected),
      upstream_reconnects: reconnectsBefore === null ? null : (await upstreamReconnects(gatewayUrl)) - reconnectsBefore,
      fanout_ms: fanout,
      gateway_rss_mb_with_subscribers: gatewayIdleMb,
      subscriber_errors: errorCount,
    };
    log(
      `subscribers ${count} (${identities}): fan-out p50 ${fanout.p50} p95 ${fanout.p95} p99 ${fanout.p99} ms over ${fanout.count}/${Math.round(deliveriesExpected)} deliveries, ${result.upstream_reconnects} upstream reconnects; gateway RSS ${gatewayIdleMb} MB`,
    );
    return result;
  } finally {
    await subscribers.close();
    agent.destroy();
  }
}
