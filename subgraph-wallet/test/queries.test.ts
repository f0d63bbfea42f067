import { randomUUID } from 'node:crypto';
import { parseMysqlUrl } from '@walletgraph/platform/db';
import type { WalletService } from '../src/app.js';
import { errorCode, gql, identityHeaders, M, newAccount, startService, startTcpGate, uniqueEmail } from './helpers.js';

let service: WalletService;
let url: string;
const statements: string[] = [];

beforeAll(async () => {
  service = await startService({}, { onSqlQuery: (query) => statements.push(query) });
  url = service.graphqlUrl;
});
afterAll(async () => {
  await service.stop();
});

/** SQL statements a request sent (driver-level COMMIT/ROLLBACK notes excluded). */
async function countingSql<T>(work: () => Promise<T>): Promise<{ result: T; selects: string[] }> {
  statements.length = 0;
  const result = await work();
  return { result, selects: statements.filter((s) => /^\s*\(?\s*SELECT/i.test(s)) };
}

describe('batched reads', () => {
  it('resolves many account references and their clients with one SELECT per entity type', async () => {
    const accounts = await Promise.all(Array.from({ length: 8 }, () => newAccount(url)));
    const representations = accounts.map((a) => ({ __typename: 'Account', id: a.accountId }));
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id client { id name accounts { id } } } } }`;
    const { result, selects } = await countingSql(() =>
      gql<{ _entities: Array<{ id: string; client: { id: string; accounts: Array<{ id: string }> } }> }>(url, query, { r: representations }),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities.map((e) => e.id)).toEqual(accounts.map((a) => a.accountId));
    expect(result.data?._entities.map((e) => e.client.id)).toEqual(accounts.map((a) => a.clientId));
    // By-id reads go to the driver pool (plain SQL), each account with its client; the others through Prisma (backquoted).
    expect(selects.filter((s) => /FROM accounts a LEFT JOIN clients c ON c\.id = a\.client_id WHERE a\.id IN/.test(s))).toHaveLength(1);
    expect(selects.filter((s) => /FROM `accounts` WHERE `accounts`\.`client_id` IN/.test(s))).toHaveLength(1);
    expect(selects).toHaveLength(2);
  });

  it("reads an account and its client (the gateway's account fetch) in one statement", async () => {
    const a = await newAccount(url);
    const query = `query($id: ID!) { account(id: $id) { __typename id client { id name email createdAt } } }`;
    const { result, selects } = await countingSql(() =>
      gql<{ account: { id: string; client: { id: string; name: string; email: string; createdAt: string } } }>(url, query, { id: a.accountId }),
    );
    expect(result.errors).toBeUndefined();
    const client = await gql<{ client: { id: string; name: string; email: string; createdAt: string } }>(
      url,
      `query($id: ID!) { client(id: $id) { id name email createdAt } }`,
      { id: a.clientId },
    );
    expect(result.data?.account.client).toEqual(client.data?.client);
    expect(result.data?.account.client.id).toBe(a.clientId);
    expect(selects).toHaveLength(1);
  });

  it('fetches transaction pages of several accounts in one statement', async () => {
    const a = await newAccount(url, '100');
    const b = await newAccount(url, '100');
    for (const [from, to] of [
      [a, b],
      [b, a],
      [a, b],
    ] as const) {
      await gql(url, M.transfer, { input: { accountIdFrom: from.accountId, accountIdTo: to.accountId, amount: '1', idempotencyKey: randomUUID() } });
    }
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id transactions(first: 2) { edges { node { id accountFrom { id } } } pageInfo { hasNextPage } } } } }`;
    const { result, selects } = await countingSql(() =>
      gql<{ _entities: Array<{ transactions: { edges: unknown[]; pageInfo: { hasNextPage: boolean } } }> }>(url, query, {
        r: [a, b].map((x) => ({ __typename: 'Account', id: x.accountId })),
      }),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities.map((e) => [e.transactions.edges.length, e.transactions.pageInfo.hasNextPage])).toEqual([
      [2, true],
      [2, true],
    ]);
    expect(selects.filter((s) => /FROM transactions/.test(s))).toHaveLength(1);
  });

  it('returns null for unknown or malformed references', async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id } } }`;
    const result = await gql<{ _entities: unknown[] }>(url, query, {
      r: [
        { __typename: 'Account', id: randomUUID() },
        { __typename: 'Account', id: 'nope' },
      ],
    });
    expect(result.data?._entities).toEqual([null, null]);
  });
});

describe('pagination', () => {
  it('pages Account.transactions newest first over sent and received, with opaque cursors', async () => {
    const a = await newAccount(url, '100');
    const b = await newAccount(url, '100');
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
      const r = await gql<{ createTransaction: { id: string } }>(url, M.transfer, {
        input: { accountIdFrom: from.accountId, accountIdTo: to.accountId, amount: `${i + 1}`, idempotencyKey: randomUUID() },
      });
      ids.push(r.data?.createTransaction.id as string);
    }
    const query = `query($id: ID!, $after: String) { account(id: $id) { transactions(first: 2, after: $after) { edges { cursor node { id amount } } pageInfo { hasNextPage endCursor } } } }`;
    type Page = { account: { transactions: { edges: Array<{ node: { id: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } };
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page += 1) {
      const r: Awaited<ReturnType<typeof gql<Page>>> = await gql<Page>(url, query, { id: a.accountId, after });
      const conn = r.data?.account.transactions;
      seen.push(...(conn?.edges.map((e) => e.node.id) ?? []));
      after = conn?.pageInfo.endCursor ?? null;
      expect(conn?.pageInfo.hasNextPage).toBe(page < 2);
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it('pages clients oldest first and refuses bad page arguments', async () => {
    const first = await gql<{ clients: { edges: Array<{ node: { id: string; createdAt: string } }>; pageInfo: { endCursor: string } } }>(
      url,
      `{ clients(first: 3) { edges { node { id createdAt } } pageInfo { hasNextPage endCursor } } }`,
    );
    const nodes = first.data?.clients.edges.map((e) => e.node) ?? [];
    expect(nodes).toHaveLength(3);
    expect(nodes.map((n) => n.createdAt)).toEqual([...nodes.map((n) => n.createdAt)].sort());
    const next = await gql<{ clients: { edges: Array<{ node: { id: string } }> } }>(
      url,
      `query($a: String) { clients(first: 2, after: $a) { edges { node { id } } } }`,
      { a: first.data?.clients.pageInfo.endCursor },
    );
    expect(next.data?.clients.edges.map((e) => e.node.id)).not.toContain(nodes[2]?.id);
    for (const args of ['first: 0', 'first: 101', 'after: "garbage!"', `after: "${Buffer.from('x|y').toString('base64url')}"`]) {
      expect(errorCode(await gql(url, `{ clients(${args}) { edges { cursor } } }`))).toBe('BAD_USER_INPUT');
    }
  });

  it('answers client, account and transaction by id; malformed ids are BAD_USER_INPUT, unknown ones null', async () => {
    const a = await newAccount(url, '5');
    const client = await gql<{ client: { accounts: Array<{ id: string }> } }>(url, `query($id: ID!) { client(id: $id) { accounts { id } } }`, {
      id: a.clientId,
    });
    expect(client.data?.client.accounts).toEqual([{ id: a.accountId }]);
    expect((await gql(url, `{ account(id: "${randomUUID()}") { id } }`)).data).toEqual({ account: null });
    expect(errorCode(await gql(url, `{ transaction(id: "12") { id } }`))).toBe('BAD_USER_INPUT');
  });
});

describe('operations', () => {
  it('echoes the caller request id and serves health', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-123', ...(await identityHeaders()) },
      body: '{"query":"{ __typename }"}',
    });
    expect(response.headers.get('x-request-id')).toBe('req-123');
    const base = url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
  });

  it('reports SERVICE_UNAVAILABLE while the database is unreachable and recovers when it returns', async () => {
    const target = parseMysqlUrl(process.env['WALLET_DATABASE_URL'] as string);
    const gate = await startTcpGate({ host: target.host, port: target.port }, true);
    const viaGate = `mysql://${target.user}${target.password ? `:${target.password}` : ''}@127.0.0.1:${gate.port}/${target.database}`;
    const gated = await startService({ WALLET_DATABASE_URL: viaGate, OUTBOX_RELAY_ENABLED: 'false', DATABASE_ACQUIRE_TIMEOUT_MS: '1000' });
    try {
      const email = uniqueEmail();
      gate.close();
      const down = await gql(gated.graphqlUrl, M.createClient, { input: { name: 'A', email } });
      expect(errorCode(down)).toBe('SERVICE_UNAVAILABLE');
      expect(JSON.stringify(down.errors)).not.toMatch(/ECONNREFUSED|stack|\.ts:/);
      const base = gated.graphqlUrl.replace(/\/graphql$/, '');
      expect((await fetch(`${base}/health/ready`)).status).toBe(503);
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      gate.open();
      const up = await gql(gated.graphqlUrl, M.createClient, { input: { name: 'A', email } });
      expect(up.errors).toBeUndefined();
    } finally {
      await gated.stop();
      await gate.stop();
    }
  });
});
