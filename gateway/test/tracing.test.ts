// One trace from the caller's request to the subscriber's event (issue 16), against a real Zipkin:
// the three services run as their own processes (dist/main.js, each with its own service name and
// tracer), on databases and topics of their own, exporting to a Zipkin this suite starts.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@walletgraph/platform/core';
import { kafkaAccessNames } from '@walletgraph/platform/kafka';
import { createServiceProcess, ensureBuilt, SERVICE_SCRIPTS, type ServiceProcess } from '../../chaos/support/processes';
import { dropDatabases, freePort, migrateAndSeed, withDatabase } from '../../chaos/support/scripts';
import { adminAuthorization } from './auth';
import { subscribe, type LiveSubscription } from './client';
import { actUntilEvent, createFundedAccounts } from './fixtures';
import { BALANCE_CONSUMER_TEST_ENV } from '../../subgraph-balance/test/helpers';
import { kafkaCredentialEnv, prepareTopics } from './stack';
import { testWallet } from './wallet-client';
import { startTestZipkin, waitForTrace, type ZipkinServer, type ZipkinSpan } from './zipkin';

jest.setTimeout(240_000);

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const suffix = randomUUID().slice(0, 8);
const topics = {
  balances: `tr.balances.${suffix}`,
  transactions: `tr.transactions.${suffix}`,
  balancesDeadLetter: `tr.balances.${suffix}.dlq`,
  balancesLive: `tr.balances.${suffix}.live`,
};
const names = kafkaAccessNames({ topics, balanceGroup: `tr-balance-${suffix}`, balanceLiveGroupPrefix: `tr-balance-live-${suffix}` });
const databases = {
  WALLET_DATABASE_URL: withDatabase(process.env['WALLET_DATABASE_URL'] ?? '', `wgtest_${process.pid}_trace_wallet`),
  BALANCE_DATABASE_URL: withDatabase(process.env['BALANCE_DATABASE_URL'] ?? '', `wgtest_${process.pid}_trace_balance`),
};
const logDir = mkdtempSync(path.join(os.tmpdir(), 'walletgraph-tracing-'));

let zipkin: ZipkinServer;
let services: ServiceProcess[] = [];
let endpoints: { url: string; wsUrl: string };

beforeAll(async () => {
  ensureBuilt(Object.values(SERVICE_SCRIPTS));
  const [zipkinPort, walletPort, walletRestPort, balancePort, balanceRestPort, gatewayPort] = await Promise.all([0, 1, 2, 3, 4, 5].map(() => freePort()));
  const zipkinStarted = startTestZipkin(zipkinPort as number);
  await migrateAndSeed(databases);
  const brokers = process.env['KAFKA_BROKERS'] ?? '';
  await prepareTopics(brokers, names, createLogger({ name: 'tracing-test', level: 'silent' }));
  zipkin = await zipkinStarted;
  const shared = {
    ...kafkaCredentialEnv(),
    KAFKA_BROKERS: brokers,
    TZ: 'UTC',
    LOG_LEVEL: 'info',
    NODE_ENV: 'test',
    OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.spansUrl,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    KAFKA_TOPIC_BALANCES: topics.balances,
    KAFKA_TOPIC_TRANSACTIONS: topics.transactions,
  };
  const spec = (name: string, script: string, port: number, env: Record<string, string>) => ({
    name,
    script,
    env: { ...shared, ...env },
    readyUrl: `http://127.0.0.1:${port}/health/ready`,
    logFile: path.join(logDir, `${name}.log`),
  });
  const wallet = createServiceProcess(
    spec('wallet', SERVICE_SCRIPTS.wallet, walletPort as number, {
      WALLET_DATABASE_URL: databases.WALLET_DATABASE_URL,
      WALLET_PORT: String(walletPort),
      WALLET_REST_PORT: String(walletRestPort),
      WALLET_HOST: '127.0.0.1',
      OUTBOX_RELAY_LOCK_RETRY_MS: '200',
      OUTBOX_RELAY_IDLE_POLL_MS_MAX: '200',
      OUTBOX_RELAY_BACKOFF_MS_MAX: '500',
    }),
  );
  const balance = createServiceProcess(
    spec('balance', SERVICE_SCRIPTS.balance, balancePort as number, {
      BALANCE_DATABASE_URL: databases.BALANCE_DATABASE_URL,
      BALANCE_PORT: String(balancePort),
      BALANCE_REST_PORT: String(balanceRestPort),
      BALANCE_HOST: '127.0.0.1',
      WALLET_SUBGRAPH_URL: `http://127.0.0.1:${walletPort}/graphql`,
      BALANCE_CONSUMER_GROUP: names.balanceGroup,
      BALANCE_LIVE_GROUP_PREFIX: names.balanceLiveGroupPrefix,
      KAFKA_TOPIC_BALANCES_DLQ: topics.balancesDeadLetter,
      KAFKA_TOPIC_BALANCES_LIVE: topics.balancesLive,
      ...BALANCE_CONSUMER_TEST_ENV,
    }),
  );
  const gateway = createServiceProcess(
    spec('gateway', SERVICE_SCRIPTS.gateway, gatewayPort as number, {
      GATEWAY_PORT: String(gatewayPort),
      GATEWAY_HOST: '127.0.0.1',
      WALLET_SUBGRAPH_URL: `http://127.0.0.1:${walletPort}/graphql`,
      BALANCE_SUBGRAPH_URL: `http://127.0.0.1:${balancePort}/graphql`,
      BALANCE_SUBGRAPH_WS_URL: `ws://127.0.0.1:${balancePort}/graphql`,
      GATEWAY_MUTATIONS_PER_MINUTE_MAX: '1000000',
    }),
  );
  services = [wallet, balance, gateway];
  await Promise.all([wallet.start(), balance.start()]);
  await gateway.start();
  endpoints = { url: `http://127.0.0.1:${gatewayPort}/graphql`, wsUrl: `ws://127.0.0.1:${gatewayPort}/graphql` };
});

afterAll(async () => {
  for (const service of [...services].reverse()) await service.stop();
  await zipkin?.stop();
  await dropDatabases(databases);
});

const TRANSFER =
  'mutation TracedTransfer($from: ID!, $to: ID!, $key: String!) { createTransaction(input: { accountIdFrom: $from, accountIdTo: $to, amount: "1.25", idempotencyKey: $key }) { id } }';

/** A transfer through the gateway; returns the trace id the gateway reports (`traceresponse`). */
async function transfer(accounts: { from: string; to: string }, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(endpoints.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await adminAuthorization(), ...headers },
    body: JSON.stringify({ query: TRANSFER, variables: { from: accounts.from, to: accounts.to, key: randomUUID() } }),
  });
  const body = (await response.json()) as { errors?: unknown };
  expect(body.errors).toBeUndefined();
  const traceresponse = response.headers.get('traceresponse') ?? '';
  expect(traceresponse).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  return traceresponse.split('-')[1] as string;
}

const serviceOf = (span: ZipkinSpan): string => span.localEndpoint?.serviceName ?? '';
const named = (spans: readonly ZipkinSpan[], service: string, name: string): ZipkinSpan | undefined =>
  spans.find((s) => serviceOf(s) === service && s.name === name.toLowerCase());

/** The spans one transfer must yield, each found by service and (lower-cased, as Zipkin stores it) name. */
const CHAIN = [
  ['gateway', 'push balanceUpdated'],
  ['subgraph-balance', `${topics.balancesLive} process`],
  ['subgraph-balance', 'balances.live publish'],
  ['subgraph-balance', `${topics.balances} process`],
  ['subgraph-wallet', `${topics.balances} publish`],
  ['subgraph-wallet', 'wallet.transfer'],
  ['gateway', 'gateway.fetch'],
  ['gateway', 'mutation TracedTransfer'],
] as const;

const complete = (spans: readonly ZipkinSpan[]): boolean =>
  [...CHAIN, ['subgraph-balance', 'read model write'], ['subgraph-wallet', 'unit of work'], ['subgraph-wallet', 'COMMIT']].every(
    ([service, name]) => named(spans, service, name ?? '') !== undefined,
  );

/** The span's ancestors, nearest first, by parentId within the trace. */
function ancestorsOf(span: ZipkinSpan, spans: readonly ZipkinSpan[]): ZipkinSpan[] {
  const byId = new Map(spans.map((s) => [s.id, s]));
  const chain: ZipkinSpan[] = [];
  for (
    let parent = span.parentId === undefined ? undefined : byId.get(span.parentId);
    parent !== undefined;
    parent = parent.parentId === undefined ? undefined : byId.get(parent.parentId)
  )
    chain.push(parent);
  return chain;
}

describe('tracing: one trace from the caller to the subscriber, in Zipkin', () => {
  let subscription: LiveSubscription;
  let accounts: { from: string; to: string };

  beforeAll(async () => {
    accounts = await createFundedAccounts(testWallet(endpoints));
    subscription = subscribe('ws', endpoints, 'subscription Watch($id: ID!) { balanceUpdated(accountId: $id) { amount version } }', { id: accounts.from });
    // The subscription is live once an event arrives; then nothing else is in flight.
    await actUntilEvent(
      () => transfer(accounts),
      (timeoutMs) => subscription.next(timeoutMs),
    );
  });
  afterAll(async () => {
    await subscription?.close();
  });

  it('a transfer with the caller’s traceparent yields one trace: gateway, wallet (commit), relay, projector, live fan-out, push, in causal order', async () => {
    const traceId = hex(16);
    const callerSpanId = hex(8);
    expect(await transfer(accounts, { traceparent: `00-${traceId}-${callerSpanId}-01` })).toBe(traceId);
    await subscription.next(20_000);
    const spans = await waitForTrace(zipkin.url, traceId, complete);

    expect(new Set(spans.map(serviceOf))).toEqual(new Set(['gateway', 'subgraph-wallet', 'subgraph-balance']));
    const root = named(spans, 'gateway', 'mutation TracedTransfer') as ZipkinSpan;
    expect(root.parentId).toBe(callerSpanId);
    expect(root.kind).toBe('SERVER');
    // The push descends from every stage of the transfer, in this order, each starting no earlier than its parent.
    const push = named(spans, 'gateway', 'push balanceUpdated') as ZipkinSpan;
    const lineage = [push, ...ancestorsOf(push, spans)];
    // By name on the lineage: a stage may have more than one span of its name in the trace (the live
    // topic is read by the pub/sub and by the minVersion waiters), one of which leads to the push.
    const positions = CHAIN.map(([service, name]) => lineage.findIndex((span) => serviceOf(span) === service && span.name === name.toLowerCase()));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (let i = 0; i + 1 < lineage.length; i += 1)
      expect((lineage[i] as ZipkinSpan).timestamp).toBeGreaterThanOrEqual((lineage[i + 1] as ZipkinSpan).timestamp);
    // The wallet committed before the relay published what it wrote; the read model was written before the live publish.
    const commit = named(spans, 'subgraph-wallet', 'COMMIT') as ZipkinSpan;
    // The outbox rows keep the transfer's own context (wallet.transfer), also under group commit where
    // one unit of work serves a batch; alone in its batch, the unit of work is in this trace, under the transfer.
    const unitOfWork = named(spans, 'subgraph-wallet', 'unit of work') as ZipkinSpan;
    expect(ancestorsOf(commit, spans)).toContain(unitOfWork);
    expect(ancestorsOf(unitOfWork, spans)).toContain(named(spans, 'subgraph-wallet', 'wallet.transfer'));
    const write = named(spans, 'subgraph-balance', 'read model write') as ZipkinSpan;
    expect(write.parentId).toBe(named(spans, 'subgraph-balance', `${topics.balances} process`)?.id);
    // Within 1 ms: each traced message of a projector batch gets its own copy of the shared write
    // span, whose end is taken by another clock read than the publish's start (21 µs apart seen).
    const CLOCK_SLACK_US = 1_000;
    expect(named(spans, 'subgraph-balance', 'balances.live publish')?.timestamp).toBeGreaterThanOrEqual(
      write.timestamp + (write.duration ?? 0) - CLOCK_SLACK_US,
    );
    // The read model's round trips (on the driver pool) are CLIENT spans under the write.
    const sqlSpans = spans.filter((span) => serviceOf(span) === 'subgraph-balance' && span.tags?.['db.system.name'] === 'mariadb');
    expect(sqlSpans.length).toBeGreaterThan(0);
    expect(sqlSpans.every((span) => ancestorsOf(span, spans).includes(write))).toBe(true);
    const publish = named(spans, 'subgraph-wallet', `${topics.balances} publish`) as ZipkinSpan;
    // The relay sees the rows once the database has committed, which can be before this process has
    // read COMMIT's answer (the relay's poll reads on another connection: 3.6 ms earlier seen in CI),
    // so the publish starts after COMMIT was sent, not necessarily after the COMMIT span ended.
    expect(publish.timestamp).toBeGreaterThanOrEqual(commit.timestamp - CLOCK_SLACK_US);
    expect(named(spans, 'subgraph-wallet', `${topics.transactions} publish`)).toBeDefined();
    // Kinds per OpenTelemetry's messaging conventions; the operation's variables are nowhere.
    expect(publish.kind).toBe('PRODUCER');
    expect(named(spans, 'subgraph-balance', `${topics.balances} process`)?.kind).toBe('CONSUMER');
    expect(JSON.stringify(spans)).not.toContain(accounts.to);
    expect(JSON.stringify(spans)).not.toMatch(/Bearer|authorization/i);
    // The services' log lines of this request carry its trace id.
    expect(readFileSync(path.join(logDir, 'wallet.log'), 'utf8')).toContain(`"trace_id":"${traceId}"`);
  });

  it('a second transfer yields another trace, and the first one gains nothing', async () => {
    const first = hex(16);
    expect(await transfer(accounts, { traceparent: `00-${first}-${hex(8)}-01` })).toBe(first);
    await subscription.next(20_000);
    const firstSpans = await waitForTrace(zipkin.url, first, complete);
    const second = hex(16);
    expect(await transfer(accounts, { traceparent: `00-${second}-${hex(8)}-01` })).toBe(second);
    await subscription.next(20_000);
    const secondSpans = await waitForTrace(zipkin.url, second, complete);
    expect(secondSpans.every((span) => span.traceId === second)).toBe(true);
    expect(new Set(secondSpans.map((s) => s.id)).size).toBe(secondSpans.length);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await waitForTrace(zipkin.url, first, complete)).length).toBe(firstSpans.length);
  });

  it('a caller without traceparent gets a new root trace', async () => {
    const traceId = await transfer(accounts);
    await subscription.next(20_000);
    const spans = await waitForTrace(zipkin.url, traceId, complete);
    const root = named(spans, 'gateway', 'mutation TracedTransfer') as ZipkinSpan;
    expect(root.parentId).toBeUndefined();
  });
});
