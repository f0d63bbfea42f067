import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import {
  AccountDocument,
  NetworkError,
  WalletError,
  addDecimal,
  compareDecimal,
  createWalletClient,
  formatDecimal,
  isRefusal,
  type RetryEvent,
  type WalletClient,
  type WalletErrorCode,
} from '@walletgraph/sdk';
import { adminToken, eventually, fundedAccounts, lossyFetch, startStack, testClient, type Stack } from '../support';

let stack: Stack;
let client: WalletClient;
beforeAll(async () => {
  stack = await startStack();
  client = testClient(stack);
});
afterAll(async () => {
  await client?.close();
  await stack?.stop();
});

async function refusalOf(run: () => Promise<unknown>): Promise<WalletError> {
  try {
    await run();
  } catch (error: unknown) {
    if (error instanceof WalletError) return error;
    throw error;
  }
  throw new Error('expected the operation to be refused');
}

describe('every operation through the gateway', () => {
  it('creates, deposits, transfers and reads back', async () => {
    const email = `${randomUUID()}@example.com`;
    const created = await client.createClient({ name: 'Ada Lovelace', email });
    expect(created).toMatchObject({ name: 'Ada Lovelace', email });
    const from = await client.createAccount({ clientId: created.id });
    const to = await client.createAccount({ clientId: created.id });
    expect(from.client.id).toBe(created.id);

    const deposited = await client.deposit({ accountId: from.id, amount: '100.00' });
    expect(deposited.id).toBe(from.id);
    const transfer = await client.transfer({ accountIdFrom: from.id, accountIdTo: to.id, amount: '25.50' });
    expect(transfer).toMatchObject({ accountFrom: { id: from.id }, accountTo: { id: to.id } });
    expect(compareDecimal(transfer.amount, '25.5')).toBe(0);

    const readClient = await client.client(created.id);
    expect(readClient?.accounts.map((account) => account.id).sort()).toEqual([from.id, to.id].sort());
    expect(await client.client(randomUUID())).toBeNull();
    expect(await client.account(randomUUID())).toBeNull();

    // The balance is a read model fed by Kafka: it converges on the wallet's figures.
    const received = await eventually(
      () => client.balance(to.id),
      (balance) => balance !== null && compareDecimal(balance.amount, '25.50') === 0,
    );
    expect(typeof received?.amount).toBe('string');
    const sender = await eventually(
      () => client.account(from.id),
      (account) => account?.balance !== null && compareDecimal(account?.balance?.amount ?? '0', '74.5') === 0,
    );
    expect(sender?.client.email).toBe(email);
    expect(addDecimal(received?.amount ?? '0', sender?.balance?.amount ?? '0')).toMatch(/^100\.0+$/);
  });

  it('runs raw typed documents with request()', async () => {
    const { from, clientName } = await fundedAccounts(client, '10.00');
    const account = await client.request(AccountDocument, { id: from });
    expect(account.account?.id).toBe(from);
    const custom = parse('query Who($id: ID!) { account(id: $id) { id client { name } } }') as TypedDocumentNode<
      { account: { id: string; client: { name: string } } | null },
      { id: string }
    >;
    expect((await client.request(custom, { id: from })).account?.client.name).toBe(clientName);
  });

  it('iterates transactions across pages, newest first, each once', async () => {
    const { from, to } = await fundedAccounts(client, '100.00');
    const amounts = ['1.00', '2.00', '3.00', '4.00', '5.00'];
    for (const amount of amounts) await client.transfer({ accountIdFrom: from, accountIdTo: to, amount });

    const pages = [];
    for await (const page of client.transactions(to, { pageSize: 2 }).pages()) pages.push(page);
    expect(pages.map((page) => page.edges.length)).toEqual([2, 2, 1]);
    expect(pages.map((page) => page.pageInfo.hasNextPage)).toEqual([true, true, false]);

    const seen = [];
    for await (const transaction of client.transactions(to, { pageSize: 2 })) seen.push(transaction);
    expect(seen.map((t) => formatDecimal(t.amount, { fractionDigits: 2 }))).toEqual([...amounts].reverse());
    expect(new Set(seen.map((t) => t.id)).size).toBe(5);

    const firstTwo = [];
    for await (const transaction of client.transactions(to, { pageSize: 100 })) {
      firstTwo.push(transaction);
      if (firstTwo.length === 2) break;
    }
    expect(firstTwo).toHaveLength(2);
  });
});

describe('refusals carry the API code', () => {
  const cases: ReadonlyArray<[string, WalletErrorCode, (ids: { from: string; to: string; clientId: string }) => Promise<unknown>]> = [
    ['transfer above the balance', 'INSUFFICIENT_FUNDS', ({ from, to }) => client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '1000000.00' })],
    ['transfer from an unknown account', 'NOT_FOUND', ({ to }) => client.transfer({ accountIdFrom: randomUUID(), accountIdTo: to, amount: '1.00' })],
    ['account for an unknown client', 'NOT_FOUND', () => client.createAccount({ clientId: randomUUID() })],
    [
      'transactions of an unknown account',
      'NOT_FOUND',
      async () => {
        for await (const _transaction of client.transactions(randomUUID())) break;
      },
    ],
    ['negative amount', 'BAD_USER_INPUT', ({ from, to }) => client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '-1.00' })],
    ['zero amount', 'BAD_USER_INPUT', ({ from }) => client.deposit({ accountId: from, amount: '0' })],
    ['over-precise amount', 'BAD_USER_INPUT', ({ from, to }) => client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '0.00001' })],
    ['same account on both sides', 'BAD_USER_INPUT', ({ from }) => client.transfer({ accountIdFrom: from, accountIdTo: from, amount: '1.00' })],
    ['bad email', 'BAD_USER_INPUT', () => client.createClient({ name: 'x', email: 'not-an-email' })],
  ];

  let ids: { from: string; to: string; clientId: string };
  beforeAll(async () => {
    ids = await fundedAccounts(client, '10.00');
  });

  it.each(cases)('%s → %s', async (_name, code, run) => {
    const error = await refusalOf(() => run(ids));
    expect(error.code).toBe(code);
    expect(error.retriable).toBe(false);
    expect(isRefusal(error)).toBe(true);
    if (code === 'INSUFFICIENT_FUNDS') expect(error.message).toBe('insufficient funds');
  });

  it('CONFLICT on a duplicate email', async () => {
    const email = `${randomUUID()}@example.com`;
    await client.createClient({ name: 'first', email });
    expect((await refusalOf(() => client.createClient({ name: 'second', email }))).code).toBe('CONFLICT');
  });

  it('IDEMPOTENCY_KEY_REUSED when a key comes back with another input; the same input replays', async () => {
    const { from, to } = await fundedAccounts(client, '10.00');
    const idempotencyKey = randomUUID();
    const first = await client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '1.00', idempotencyKey });
    const replay = await client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '1.00', idempotencyKey });
    expect(replay.id).toBe(first.id);
    const error = await refusalOf(() => client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '2.00', idempotencyKey }));
    expect(error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('switches exhaustively on the code', async () => {
    const error = await refusalOf(() => client.createAccount({ clientId: randomUUID() }));
    const describe = (code: WalletErrorCode): string => {
      switch (code) {
        case 'NOT_FOUND':
          return 'missing';
        case 'INSUFFICIENT_FUNDS':
          return 'poor';
        default:
          return 'other';
      }
    };
    expect(describe(error.code)).toBe('missing');
  });
});

describe('retries', () => {
  it('transfer retries a lost response with the same key and moves the money once', async () => {
    const { from, to } = await fundedAccounts(client, '10.00');
    const lossy = lossyFetch((body) => body.includes('CreateTransaction'), 2);
    const retries: RetryEvent[] = [];
    const retrying = testClient(stack, { fetch: lossy.fetch, onRetry: (event) => retries.push(event) });
    try {
      const transfer = await retrying.transfer({ accountIdFrom: from, accountIdTo: to, amount: '3.00' });
      expect(retries.map((r) => [r.operationName, r.error.code, r.retryIndex])).toEqual([
        ['CreateTransaction', 'NETWORK_ERROR', 0],
        ['CreateTransaction', 'NETWORK_ERROR', 1],
      ]);
      const keys = lossy.bodies.map((body) => (JSON.parse(body) as { variables: { input: { idempotencyKey: string } } }).variables.input.idempotencyKey);
      expect(keys).toHaveLength(3);
      expect(new Set(keys).size).toBe(1);
      expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);

      const moved = [];
      for await (const transaction of client.transactions(to)) moved.push(transaction);
      expect(moved.map((t) => t.id)).toEqual([transfer.id]);
    } finally {
      await retrying.close();
    }
  });

  it('two transfers without a key are two transfers', async () => {
    const { from, to } = await fundedAccounts(client, '10.00');
    await client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '1.00' });
    await client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '1.00' });
    let count = 0;
    for await (const _transaction of client.transactions(to)) count += 1;
    expect(count).toBe(2);
  });

  it('gives up after the bound with a NetworkError, and does not retry createClient', async () => {
    let calls = 0;
    const down = createWalletClient({
      url: 'http://127.0.0.1:9/graphql',
      retry: { attemptCountMax: 3, delayMsInitial: 1, delayMsMax: 5 },
      fetch: async () => {
        calls += 1;
        throw new TypeError('fetch failed');
      },
    });
    const error = await refusalOf(() => down.balance(randomUUID()));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.retriable).toBe(true);
    expect(isRefusal(error)).toBe(false);
    expect(calls).toBe(3);
    await refusalOf(() => down.createClient({ name: 'x', email: 'x@example.com' }));
    expect(calls).toBe(4);
    await down.close();
  });
});

describe('authentication', () => {
  it('without a token the gateway refuses with UNAUTHENTICATED (a refusal, not retried)', async () => {
    const anonymous = createWalletClient({ url: stack.url, retry: { attemptCountMax: 3, delayMsInitial: 1, delayMsMax: 5 } });
    const error = await refusalOf(() => anonymous.balance(randomUUID()));
    expect(error.code).toBe<WalletErrorCode>('UNAUTHENTICATED');
    expect(isRefusal(error)).toBe(true);
    await anonymous.close();
  });

  it('calls a token function for every request, so a token can be refreshed', async () => {
    let calls = 0;
    const refreshing = testClient(stack, {
      token: async () => {
        calls += 1;
        return adminToken();
      },
    });
    expect(await refreshing.balance(randomUUID())).toBeNull();
    expect(await refreshing.balance(randomUUID())).toBeNull();
    expect(calls).toBe(2);
    await refreshing.close();
  });

  it('refuses a token option that is neither a string nor a function', () => {
    expect(() => createWalletClient({ url: stack.url, token: 42 as unknown as string })).toThrow(/token must be a string/);
  });
});
