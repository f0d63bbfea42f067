import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import type { Producer } from 'kafkajs';
import { createPool, type Pool } from 'mariadb';
import { parseMysqlUrl } from '@walletgraph/platform/db';
import { createBalanceService, type BalanceService } from '../src/app.js';
import { createHistoryPruner } from '../src/history/history-pruner.js';
import { createHistoryRepository } from '../src/history/history-repository.js';
import { createPrismaClient, disconnectPrisma } from '../src/store/prisma.js';
import type { BalanceConfig } from '../src/config.js';
import { connectedProducer, identityHeaders, newEvent, provisionFor, testConfig, testKafka, testLogger, waitFor } from './helpers.js';
import { wsClient } from './ws-client.js';

const RETAINED = 50;
const WAIT_MS_MAX = 400;
let config: BalanceConfig;
let service: BalanceService;
let producer: Producer;
let pool: Pool;
const clients: Client[] = [];

interface Stream {
  readonly versions: number[];
  readonly errors: Array<{ readonly extensions?: { readonly code?: unknown } | undefined }>;
  completed: boolean;
}

function subscribe(accountId: string, afterVersion: unknown): Stream {
  const client = wsClient(service.wsUrl);
  clients.push(client);
  const stream: Stream = { versions: [], errors: [], completed: false };
  client.subscribe(
    {
      query: 'subscription ($id: ID!, $after: Int) { balanceUpdated(accountId: $id, afterVersion: $after) { version amount } }',
      variables: { id: accountId, after: afterVersion },
    },
    {
      next: (result) => {
        if (result.errors !== undefined) stream.errors.push(...result.errors);
        const update = result.data?.['balanceUpdated'] as { version: number } | undefined;
        if (update !== undefined && update !== null) stream.versions.push(update.version);
      },
      error: (error: unknown) => {
        // graphql-ws ends a subscription with its `error` message's GraphQL errors (an array), or with what closed the socket.
        const errors: Stream['errors'] = Array.isArray(error) ? error : [{ extensions: { code: String(error) } }];
        stream.errors.push(...errors);
      },
      complete: () => {
        stream.completed = true;
      },
    },
  );
  return stream;
}

async function graphql(
  query: string,
  variables: Record<string, unknown>,
): Promise<{ data?: Record<string, unknown> | null; errors?: Array<{ extensions?: Record<string, unknown> }> }> {
  const response = await fetch(service.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await identityHeaders()) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, unknown> | null; errors?: Array<{ extensions?: Record<string, unknown> }> };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const send = (accountId: string, versions: number[]) =>
  producer.send({ topic: config.topics.balances, messages: versions.map((version) => newEvent({ id: accountId, balance: `${1000 + version}.25`, version })) });
const historyVersions = async (accountId: string): Promise<number[]> =>
  (await pool.query<Array<{ version: number }>>('SELECT version FROM balance_history WHERE account_id = ? ORDER BY version', [accountId])).map((row) =>
    Number(row.version),
  );
const storedVersion = async (accountId: string): Promise<number | undefined> => {
  const rows = await pool.query<Array<{ version: number }>>('SELECT version FROM balances WHERE account_id = ?', [accountId]);
  return rows[0] === undefined ? undefined : Number(rows[0].version);
};
const reaches = (accountId: string, version: number) =>
  waitFor(`${accountId} at version ${version}`, async () => ((await storedVersion(accountId)) === version ? true : undefined));

beforeAll(async () => {
  config = testConfig({
    BALANCE_HISTORY_VERSIONS_PER_ACCOUNT_MAX: String(RETAINED),
    BALANCE_MIN_VERSION_WAIT_MS_MAX: String(WAIT_MS_MAX),
    BALANCE_REPLAY_PAGE_ROWS_MAX: '7',
  });
  await provisionFor(config);
  service = createBalanceService(config, testLogger);
  await service.start();
  producer = await connectedProducer(testKafka());
  pool = createPool({ ...parseMysqlUrl(process.env.BALANCE_DATABASE_URL as string), connectionLimit: 2 });
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose();
});

afterAll(async () => {
  await producer.disconnect();
  await service.stop();
  await pool.end();
});

test('every applied version is kept in balance_history with its amount, at most BALANCE_HISTORY_VERSIONS_PER_ACCOUNT_MAX per account', async () => {
  const account = randomUUID();
  await send(account, range(0, 59));
  await reaches(account, 59);
  expect(await historyVersions(account)).toEqual(range(60 - RETAINED, 59));
  const rows = await pool.query<Array<{ amount: string }>>('SELECT CAST(amount AS CHAR) AS amount FROM balance_history WHERE account_id = ? AND version = 59', [
    account,
  ]);
  expect(rows[0]?.amount).toBe('1059.2500');
  // The transfer behind a version, when the event names it.
  const transactionId = randomUUID();
  const named = newEvent({ id: account, balance: '1.5', version: 60 });
  await producer.send({ topic: config.topics.balances, messages: [{ ...named, value: named.value.replace(/}}$/, `,"transaction_id":"${transactionId}"}}`) }] });
  await reaches(account, 60);
  const causes = await pool.query<Array<{ version: number; transaction_id: string | null }>>(
    'SELECT version, transaction_id FROM balance_history WHERE account_id = ? AND version >= 59 ORDER BY version',
    [account],
  );
  expect(causes.map((row) => [Number(row.version), row.transaction_id])).toEqual([
    [59, null],
    [60, transactionId],
  ]);
  // A redelivered version adds no row.
  await send(account, [58, 59, 60]);
  await send(account, [61]);
  await reaches(account, 61);
  expect(await historyVersions(account)).toEqual(range(62 - RETAINED, 61));
});

test('history older than BALANCE_HISTORY_AGE_MS_MAX is pruned', async () => {
  const account = randomUUID();
  await send(account, range(0, 2));
  await reaches(account, 2);
  const prisma = createPrismaClient({ logger: testLogger }, { databaseUrl: config.databaseUrl, poolSizeMax: 1, acquireTimeoutMs: 5_000 });
  try {
    const pruner = createHistoryPruner(
      { history: createHistoryRepository({ prisma }), logger: testLogger },
      { ageMsMax: 60_000, intervalMs: 60_000, rowsMax: 100_000 },
    );
    await pruner.pruneOnce(new Date());
    expect(await historyVersions(account)).toEqual([0, 1, 2]);
    await pruner.pruneOnce(new Date(Date.now() + 61_000));
    expect(await historyVersions(account)).toEqual([]);
  } finally {
    await disconnectPrisma(prisma);
  }
});

test('afterVersion: the retained versions above it, then live ones published meanwhile, consecutively, without a duplicate', async () => {
  const account = randomUUID();
  await send(account, range(0, 40));
  await reaches(account, 40);
  const stream = subscribe(account, 12);
  // Live updates race the replay (pages of 7 rows): the seam must hold. They stop at 62, whose
  // retention keeps 13..62: beyond it a fast projector would expire the resume point before the
  // subscription is even registered (RESUME_POINT_EXPIRED, the next test's case).
  for (let version = 41; version <= 62; version += 11) await send(account, range(version, version + 10));
  await waitFor('versions 13..62', () => (stream.versions.length >= 50 || stream.errors.length > 0 ? true : undefined));
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(stream.errors).toEqual([]);
  expect(stream.versions).toEqual(range(13, 62));
});

test('afterVersion older than the retained history: RESUME_POINT_EXPIRED, never a silent jump; afterVersion at or above the current version: live only', async () => {
  const account = randomUUID();
  await send(account, range(0, RETAINED + 9));
  await reaches(account, RETAINED + 9);
  const expired = subscribe(account, 3);
  await waitFor('the refusal', () => (expired.errors.length > 0 || expired.completed ? true : undefined));
  expect(expired.versions).toEqual([]);
  expect(expired.errors[0]?.extensions).toMatchObject({ code: 'RESUME_POINT_EXPIRED', afterVersion: 3, oldestRetainedVersion: 10 });
  const current = subscribe(account, RETAINED + 9);
  const ahead = subscribe(account, RETAINED + 10);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await send(account, range(RETAINED + 10, RETAINED + 11));
  await waitFor('live versions', () => (current.versions.length >= 2 && ahead.versions.length >= 1 ? true : undefined));
  expect(current.versions).toEqual([RETAINED + 10, RETAINED + 11]);
  expect(ahead.versions).toEqual([RETAINED + 11]);
});

test('afterVersion negative is BAD_USER_INPUT', async () => {
  const stream = subscribe(randomUUID(), -1);
  await waitFor('the refusal', () => (stream.errors.length > 0 ? true : undefined));
  expect(stream.errors[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(stream.versions).toEqual([]);
});

// Int coercion refuses these before any resolver (the gateway answers them BAD_USER_INPUT: gateway/test/resume.test.ts).
test.each([
  ['above Int', 2 ** 31],
  ['not an integer', 1.5],
  ['a string', '3'],
])('afterVersion %s is refused by Int coercion', async (_name, afterVersion) => {
  const stream = subscribe(randomUUID(), afterVersion);
  await waitFor('the refusal', () => (stream.errors.length > 0 ? true : undefined));
  expect(JSON.stringify(stream.errors[0])).toMatch(/Int/);
  expect(stream.versions).toEqual([]);
});

const BALANCE_AT = 'query ($id: ID!, $min: Int) { balance(accountId: $id, minVersion: $min) { version amount } }';

test('minVersion: answers at once when the read model has it, waits for the update that brings it (no polling), and times out with MIN_VERSION_TIMEOUT', async () => {
  const account = randomUUID();
  await send(account, [0, 1]);
  await reaches(account, 1);
  expect((await graphql(BALANCE_AT, { id: account, min: 1 })).data).toEqual({ balance: { version: 1, amount: '1001.25' } });

  const started = Date.now();
  const waiting = graphql(BALANCE_AT, { id: account, min: 3 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  await send(account, [2, 3]);
  expect((await waiting).data).toEqual({ balance: { version: 3, amount: '1003.25' } });
  expect(Date.now() - started).toBeLessThan(WAIT_MS_MAX);

  const timedOut = await graphql(BALANCE_AT, { id: account, min: 9 });
  expect(timedOut.data).toEqual({ balance: null });
  expect(timedOut.errors?.[0]?.extensions).toMatchObject({ code: 'MIN_VERSION_TIMEOUT', minVersion: 9, currentVersion: 3, waitMsMax: WAIT_MS_MAX });
  const entity = await graphql('query ($r: [_Any!]!) { _entities(representations: $r) { ... on Account { balance(minVersion: 3) { version } } } }', {
    r: [{ __typename: 'Account', id: account }],
  });
  expect(entity.data).toEqual({ _entities: [{ balance: { version: 3 } }] });
});

test.each([
  ['negative', -1],
  ['above Int', 2 ** 31],
  ['not an integer', 2.5],
])('minVersion %s is BAD_USER_INPUT', async (_name, min) => {
  const result = await graphql(BALANCE_AT, { id: randomUUID(), min });
  expect(result.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
});
