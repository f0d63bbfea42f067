// Subscribers through the gateway (graphql-ws over ws), several subscriptions per connection,
// and the bookkeeping that matches each balanceUpdated event to the transfer that caused it.
import { benchHeaders } from './auth.mjs';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export const balanceSubscription = 'subscription Live($id: ID!) { balanceUpdated(accountId: $id) { accountId amount version } }';

/**
 * Opens `count` subscriptions packed `perConnection` to a WebSocket. As the admin (authorizationOf
 * absent): subscription j on accountIds[j % accountIds.length]. As clients (authorizationOf(accountId)
 * → that account owner's `Bearer …`): connection c authenticates as the owner of
 * accountIds[c % accountIds.length] and holds its subscriptions on that account, so every account's
 * subscribers come from its own caller. onEvent(accountId, version, nowMs) for every event.
 */
export async function openSubscribers({ wsUrl, accountIds, count, perConnection, onEvent, onError, authorizationOf, connectConcurrency = 50 }) {
  const clients = [];
  const connectionCount = Math.ceil(count / perConnection);
  let next = 0;
  const connectOne = async () => {
    while (next < connectionCount) {
      const c = next++;
      const ownAccount = accountIds[c % accountIds.length];
      const authorization = authorizationOf === undefined ? (await benchHeaders()).authorization : authorizationOf(ownAccount);
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        lazy: false,
        retryAttempts: 0,
        keepAlive: 0,
        connectionParams: () => ({ authorization }),
      });
      await new Promise((resolve, reject) => {
        const offConnected = client.on('connected', () => {
          offConnected();
          resolve();
        });
        client.on('closed', (event) => reject(new Error(`subscriber connection closed: ${event?.code} ${event?.reason ?? ''}`)));
        client.on('error', reject);
      });
      clients.push(client);
      for (let j = c * perConnection; j < Math.min(count, (c + 1) * perConnection); j += 1) {
        // graphql-ws has no subscribe acknowledgement: callers learn that j is live from its first event.
        const id = authorizationOf === undefined ? accountIds[j % accountIds.length] : ownAccount;
        client.subscribe(
          { query: balanceSubscription, variables: { id }, operationName: 'Live' },
          {
            next: (result) => {
              const nowMs = performance.now();
              const balance = result.data?.balanceUpdated;
              if (balance) onEvent(balance.accountId, balance.version, nowMs, j);
              else onError?.(new Error(JSON.stringify(result.errors ?? result).slice(0, 200)));
            },
            error: (error) => onError?.(error instanceof Error ? error : new Error(JSON.stringify(error).slice(0, 200))),
            complete: () => undefined,
          },
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(connectConcurrency, connectionCount) }, connectOne));
  return {
    connectionCount,
    async close() {
      await Promise.all(clients.map((client) => client.dispose()));
    },
  };
}

/**
 * Matches events to transfers by (account, version): each pair has at most one transfer in flight,
 * and every transfer of pair i raises the version of both its accounts by exactly one. Latency is
 * measured from the moment the mutation was sent (an event may arrive before the response; it is
 * matched when the response tells its version).
 */
export function createMatcher() {
  const responseMsByKey = new Map();
  const eventMsByKey = new Map();
  const latenciesMs = [];
  const liveSubscriptions = new Set();
  let measureFromMs = Infinity;
  let earlyEventCount = 0;
  const key = (accountId, version) => `${accountId}:${version}`;
  return {
    latenciesMs,
    /** A transfer's response (sent at sentMs): the events it causes carry these (account, version) pairs. */
    responded(expected, sentMs) {
      if (sentMs < measureFromMs) {
        for (const [accountId, version] of expected) responseMsByKey.set(key(accountId, version), sentMs);
        return;
      }
      for (const [accountId, version] of expected) {
        const k = key(accountId, version);
        const eventMs = eventMsByKey.get(k);
        if (eventMs === undefined) responseMsByKey.set(k, sentMs);
        else {
          // The event beat the HTTP response to the client: still measured from the send.
          for (const ms of [].concat(eventMs)) latenciesMs.push(ms - sentMs);
          eventMsByKey.delete(k);
        }
      }
    },
    event(accountId, version, nowMs, subscription) {
      liveSubscriptions.add(subscription);
      const k = key(accountId, version);
      const responseMs = responseMsByKey.get(k);
      if (responseMs !== undefined) {
        if (responseMs >= measureFromMs) latenciesMs.push(nowMs - responseMs);
      } else if (nowMs >= measureFromMs) {
        const earlier = eventMsByKey.get(k);
        eventMsByKey.set(k, earlier === undefined ? nowMs : [].concat(earlier, nowMs));
        earlyEventCount += 1;
      }
    },
    /** Only transfers answered from now on are measured (warm-up events arriving late are not). */
    startMeasuring() {
      measureFromMs = performance.now();
      latenciesMs.length = 0;
    },
    get liveSubscriptionCount() {
      return liveSubscriptions.size;
    },
    get pendingEventCount() {
      return eventMsByKey.size;
    },
    /** Events seen before their transfer's response reached the caller. */
    get earlyEventCount() {
      return earlyEventCount;
    },
  };
}
