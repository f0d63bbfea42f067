import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { createBalanceService, type BalanceService } from '../src/app.js';
import { balanceTable, connectedProducer, identityHeaders, newEvent, provisionFor, testConfig, testKafka, testLogger, waitFor } from './helpers.js';

const SEEDED = { id: 'b0000000-0000-4000-8000-000000000001', accountId: '7dfe0fa9-d168-4329-a9ba-ca1b7052fac3' };
const sqlQueries: string[] = [];
let service: BalanceService;
let producer: Producer;
const table = balanceTable();
const accounts = Array.from({ length: 5 }, () => randomUUID());

async function graphql(
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: Record<string, unknown>; errors?: Array<Record<string, unknown>> }> {
  const response = await fetch(service.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await identityHeaders()) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: Array<Record<string, unknown>> };
}

beforeAll(async () => {
  // Dev mode keeps the old REST route open (outside dev mode: auth.test.ts).
  const config = testConfig({ WALLETGRAPH_DEV_MODE: 'true' });
  await provisionFor(config);
  service = createBalanceService(config, testLogger, { onSqlQuery: (sql) => sqlQueries.push(sql) });
  await service.start();
  producer = await connectedProducer(testKafka());
  await producer.send({
    topic: config.topics.balances,
    messages: accounts.map((id, i) => newEvent({ id, balance: i === 0 ? '995.5' : `${i}`, version: i + 1 })),
  });
  for (const id of accounts) await waitFor(`${id} projected`, () => table.get(id));
});

afterAll(async () => {
  await producer.disconnect();
  await service.stop();
  await table.end();
});

test('Query.balance returns the seeded balance, null for an unknown account, BAD_USER_INPUT for a malformed id', async () => {
  const query = 'query ($id: ID!) { balance(accountId: $id) { accountId amount version updatedAt account { id } } }';
  expect((await graphql(query, { id: SEEDED.accountId })).data).toEqual({
    balance: { accountId: SEEDED.accountId, amount: '1000.00', version: 1, updatedAt: '2026-01-01T00:00:00.000Z', account: { id: SEEDED.accountId } },
  });
  expect(await graphql(query, { id: randomUUID() })).toEqual({ data: { balance: null } });
  const malformed = await graphql(query, { id: 'not-a-uuid' });
  expect(malformed.data).toEqual({ balance: null });
  expect(malformed.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
});

test('Account.balance for many entity references is read with one SQL query', async () => {
  const representations = [...accounts, randomUUID()].map((id) => ({ __typename: 'Account', id }));
  const query = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id balance { amount version } } } }';
  sqlQueries.length = 0;
  const result = await graphql(query, { r: representations });
  expect(result.errors).toBeUndefined();
  const entities = result.data?.['_entities'] as Array<{ id: string; balance: { amount: string; version: number } | null }>;
  expect(entities.map((e) => e.balance)).toEqual([
    { amount: '995.50', version: 1 },
    { amount: '1.00', version: 2 },
    { amount: '2.00', version: 3 },
    { amount: '3.00', version: 4 },
    { amount: '4.00', version: 5 },
    null,
  ]);
  expect(sqlQueries.filter((sql) => /\bbalances\b/i.test(sql) && /^\s*SELECT/i.test(sql))).toHaveLength(1);
});

test('the old REST route answers the Ms-Balance shape with an exact JSON number, 404 and 400 as JSON', async () => {
  const seeded = await fetch(`${service.restUrl}/balances/${SEEDED.accountId}`);
  expect(seeded.status).toBe(200);
  expect(await seeded.text()).toBe(`{"id":"${SEEDED.id}","account_id":"${SEEDED.accountId}","amount":1000}`);

  const fractional = await fetch(`${service.restUrl}/balances/${accounts[0]}`);
  const row = await table.get(accounts[0] as string);
  expect(await fractional.text()).toBe(`{"id":"${row?.id}","account_id":"${accounts[0]}","amount":995.5}`);

  const unknown = await fetch(`${service.restUrl}/balances/${randomUUID()}`);
  expect(unknown.status).toBe(404);
  expect(unknown.headers.get('content-type')).toMatch(/application\/json/);
  expect(await unknown.json()).toMatchObject({ code: 'NOT_FOUND', message: expect.any(String) });

  const malformed = await fetch(`${service.restUrl}/balances/nope`);
  expect(malformed.status).toBe(400);
  expect(await malformed.json()).toMatchObject({ code: 'BAD_USER_INPUT' });
});

test('health: live always, ready when the database and both consumers are up', async () => {
  const base = service.graphqlUrl.replace(/\/graphql$/, '');
  expect((await fetch(`${base}/health/live`)).status).toBe(200);
  const ready = await fetch(`${base}/health/ready`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ok', checks: { database: true, consumer: true, liveConsumer: true } });
  expect(ready.headers.get('x-request-id')).toEqual(expect.any(String));
});
