// Who may read and watch which balance, on every door of the balance subgraph.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEV_AUTH_JWT_SECRET, DEV_INTERNAL_AUTH_SECRET } from '@walletgraph/platform/core';
import {
  DEFAULT_AUTH_AUDIENCE,
  DEFAULT_AUTH_ISSUER,
  INTERNAL_IDENTITY_HEADER,
  mintInternalIdentity,
  mintUserToken,
  verifyInternalIdentity,
  type Identity,
} from '@walletgraph/platform/auth';
import type { Producer } from 'kafkajs';
import { createBalanceService, type BalanceService } from '../src/app.js';
import { balanceTable, connectedProducer, identityHeaders, newEvent, provisionFor, testConfig, testKafka, testLogger, waitFor } from './helpers.js';
import { subscribeBalance, wsClient } from './ws-client.js';

const ownerClientId = randomUUID();
const otherClientId = randomUUID();
const ownAccount = randomUUID();
const foreignAccount = randomUUID();
const owner: Identity = { role: 'client', subject: 'owner', clientId: ownerClientId };

/** Stands in for the wallet subgraph: answers `_entities` for two accounts, checks the caller's signed identity. */
const ownership = new Map<string, string>([
  [ownAccount, ownerClientId],
  [foreignAccount, otherClientId],
]);
const walletCalls: Array<{ identity: unknown; ids: string[] }> = [];
const fakeWallet = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    void (async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { variables: { representations: Array<{ id: string }> } };
      const identity = await verifyInternalIdentity(String(request.headers[INTERNAL_IDENTITY_HEADER]), { secret: DEV_INTERNAL_AUTH_SECRET }).catch(() => null);
      const ids = body.variables.representations.map((r) => r.id);
      walletCalls.push({ identity, ids });
      const entities = ids.map((id) => (ownership.has(id) ? { id, client: { id: ownership.get(id) } } : null));
      response.writeHead(identity === null ? 401 : 200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(identity === null ? { code: 'UNAUTHENTICATED' } : { data: { _entities: entities } }));
    })();
  });
});

let service: BalanceService;
let producer: Producer;
const table = balanceTable();

async function graphql(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      data?: Record<string, unknown> | null;
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
      code?: string;
    },
  };
}

const userBearer = async (identity: Identity, expiresIn: number | string = '5m') =>
  `Bearer ${await mintUserToken(identity, { secret: DEV_AUTH_JWT_SECRET, issuer: DEFAULT_AUTH_ISSUER, audience: DEFAULT_AUTH_AUDIENCE, expiresIn })}`;

beforeAll(async () => {
  await new Promise<void>((resolve) => fakeWallet.listen(0, '127.0.0.1', resolve));
  const walletUrl = `http://127.0.0.1:${(fakeWallet.address() as AddressInfo).port}/graphql`;
  const config = testConfig({ WALLET_SUBGRAPH_URL: walletUrl, WALLETGRAPH_DEV_MODE: 'false' });
  await provisionFor(config);
  service = createBalanceService(config, testLogger);
  await service.start();
  producer = await connectedProducer(testKafka());
  await producer.send({
    topic: config.topics.balances,
    messages: [newEvent({ id: ownAccount, balance: '10', version: 1 }), newEvent({ id: foreignAccount, balance: '20', version: 1 })],
  });
  for (const id of [ownAccount, foreignAccount]) await waitFor(`${id} projected`, () => table.get(id));
});

afterAll(async () => {
  await producer?.disconnect();
  await service?.stop();
  await table.end();
  await new Promise<void>((resolve) => fakeWallet.close(() => resolve()));
});

describe('GraphQL as a client identity', () => {
  it('reads its own balance; a foreign and an unknown account are both null; asks the wallet once per request', async () => {
    walletCalls.length = 0;
    const query =
      'query($a: ID!, $b: ID!, $c: ID!) { own: balance(accountId: $a) { amount } foreign: balance(accountId: $b) { amount } unknown: balance(accountId: $c) { amount } }';
    const result = await graphql(service.graphqlUrl, query, { a: ownAccount, b: foreignAccount, c: randomUUID() }, await identityHeaders(owner));
    expect(result.body).toEqual({ data: { own: { amount: '10.00' }, foreign: null, unknown: null } });
    expect(walletCalls).toHaveLength(1);
    expect(walletCalls[0]?.identity).toMatchObject({ role: 'admin', subject: 'service:subgraph-balance' });
  });

  it('Account.balance through entity resolution obeys the same rule', async () => {
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id balance { amount } } } }';
    const result = await graphql(
      service.graphqlUrl,
      query,
      {
        r: [
          { __typename: 'Account', id: ownAccount },
          { __typename: 'Account', id: foreignAccount },
        ],
      },
      await identityHeaders(owner),
    );
    expect(result.body.data?.['_entities']).toEqual([
      { id: ownAccount, balance: { amount: '10.00' } },
      { id: foreignAccount, balance: null },
    ]);
  });

  it('two identities at once (their balance reads share one query): each caller sees only its own account', async () => {
    const other: Identity = { role: 'client', subject: 'other', clientId: otherClientId };
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id balance { amount } } } }';
    const representations = [ownAccount, foreignAccount].map((id) => ({ __typename: 'Account', id }));
    const [ownerHeaders, otherHeaders] = await Promise.all([identityHeaders(owner), identityHeaders(other)]);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => graphql(service.graphqlUrl, query, { r: representations }, i % 2 === 0 ? ownerHeaders : otherHeaders)),
    );
    results.forEach((result, i) =>
      expect(result.body.data?.['_entities']).toEqual(
        i % 2 === 0
          ? [
              { id: ownAccount, balance: { amount: '10.00' } },
              { id: foreignAccount, balance: null },
            ]
          : [
              { id: ownAccount, balance: null },
              { id: foreignAccount, balance: { amount: '20.00' } },
            ],
      ),
    );
  });

  it('refuses a subscription to a foreign or unknown account with the same FORBIDDEN, accepts its own', async () => {
    const client = wsClient(service.wsUrl, owner);
    try {
      const foreign = subscribeBalance(client, foreignAccount).received;
      const unknownId = randomUUID();
      const unknown = subscribeBalance(client, unknownId).received;
      const own = subscribeBalance(client, ownAccount);
      await waitFor('both refusals', () => (foreign.errors.length > 0 && unknown.errors.length > 0 ? true : undefined), 10_000);
      const messageOf = (errors: unknown[]) => JSON.stringify(errors);
      expect(messageOf(foreign.errors)).toMatch(/FORBIDDEN|not one of your accounts/);
      expect(messageOf(foreign.errors).replace(foreignAccount, 'ID')).toBe(messageOf(unknown.errors).replace(unknownId, 'ID'));
      expect(own.received.errors).toEqual([]);
      own.unsubscribe();
    } finally {
      await client.dispose();
    }
  });
});

describe('direct calls without the gateway', () => {
  it.each<[string, () => Promise<Record<string, string>>]>([
    ['no identity', async () => ({})],
    [
      'a forged identity',
      async () => ({
        [INTERNAL_IDENTITY_HEADER]: await mintInternalIdentity({ role: 'admin', subject: 'm' }, { secret: 'forged-forged-forged-forged-forged-forged' }),
      }),
    ],
    ['a user token', async () => ({ authorization: await userBearer({ role: 'admin', subject: 'a' }) })],
  ])('HTTP with %s → 401 JSON', async (_name, headers) => {
    const result = await graphql(service.graphqlUrl, '{ __typename }', {}, await headers());
    expect(result.status).toBe(401);
    expect(result.body).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('a WebSocket without an identity is closed with 4401', async () => {
    const client = wsClient(service.wsUrl, null);
    const received = subscribeBalance(client, ownAccount).received;
    await waitFor('close', () => (received.errors.length > 0 ? true : undefined), 10_000);
    expect((received.errors[0] as { code?: number }).code).toBe(4401);
    await client.dispose();
  });
});

describe('the old REST route outside dev mode', () => {
  const get = async (accountId: string, authorization?: string) =>
    fetch(`${service.restUrl}/balances/${accountId}`, authorization === undefined ? {} : { headers: { authorization } });

  it('needs a valid bearer token', async () => {
    expect((await get(ownAccount)).status).toBe(401);
    expect((await get(ownAccount, await userBearer(owner, -60))).status).toBe(401);
    expect((await get(ownAccount, 'Bearer not-a-token')).status).toBe(401);
  });

  it('answers the owner and the admin; a foreign account looks unknown (404)', async () => {
    expect((await get(ownAccount, await userBearer(owner))).status).toBe(200);
    expect((await get(foreignAccount, await userBearer({ role: 'admin', subject: 'a' }))).status).toBe(200);
    const foreign = await get(foreignAccount, await userBearer(owner));
    const unknownId = randomUUID();
    const unknown = await get(unknownId, await userBearer(owner));
    expect([foreign.status, unknown.status]).toEqual([404, 404]);
    expect(((await foreign.json()) as { message: string }).message.replace(foreignAccount, 'ID')).toBe(
      ((await unknown.json()) as { message: string }).message.replace(unknownId, 'ID'),
    );
  });
});
