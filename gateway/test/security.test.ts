// Authentication, authorization and abuse limits, end to end through the gateway (and around it).
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { WalletError, type WalletClient } from '@walletgraph/sdk';
import { createLogger, DEV_AUTH_JWT_SECRET, DEV_INTERNAL_AUTH_SECRET } from '@walletgraph/platform/core';
import { INTERNAL_IDENTITY_HEADER, mintInternalIdentity, type Identity } from '@walletgraph/platform/auth';
import { balanceOf, sql } from '../../subgraph-wallet/test/helpers';
import { createGateway, type Gateway } from '../src/app';
import { loadGatewayConfig } from '../src/config';
import { adminAuthorization, adminToken, clientToken, internalIdentity, userToken } from './auth';
import { gql, subscribe, type GqlResult, type LiveSubscription, type Transport } from './client';
import { actUntilEvent, createFundedAccounts, type Accounts } from './fixtures';
import { startStack, type Stack } from './stack';
import { walletAs } from './wallet-client';

// Every log line of the whole stack, at debug level, to prove no token or secret is ever written.
const logLines: string[] = [];
const logger = createLogger(
  { name: 'security-test', level: 'debug' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  }),
);

let stack: Stack;
let owner: Accounts; // client A: from (funded), to
let other: Accounts; // client B: from (funded), to
let ownTransactionId: string; // A.from → A.to: only A (and admin) may see it
let sharedTransactionId: string; // B.from → A.to: both may see it, neither sees the other's details
const tokens: Record<string, string> = {};

type Caller = 'none' | 'expired' | 'wrongSignature' | 'other' | 'owner' | 'admin';
const callers: readonly Caller[] = ['none', 'expired', 'wrongSignature', 'other', 'owner', 'admin'];

function headersOf(caller: Caller): Record<string, string> {
  return caller === 'none' ? { authorization: '' } : { authorization: `Bearer ${tokens[caller]}` };
}

/** The SDK acting as `caller` (one of the token holders): how a user of walletgraph calls it. */
function walletOf(caller: 'other' | 'owner' | 'admin'): WalletClient {
  const wallet = walletAs(stack, tokens[caller] as string);
  wallets.push(wallet);
  return wallet;
}
const wallets: WalletClient[] = [];

beforeAll(async () => {
  stack = await startStack({ logger });
  tokens['admin'] = await adminToken();
  const admin = walletOf('admin');
  owner = await createFundedAccounts(admin);
  other = await createFundedAccounts(admin);
  tokens['owner'] = await clientToken(owner.clientId);
  tokens['other'] = await clientToken(other.clientId);
  tokens['expired'] = await clientToken(owner.clientId, -120);
  tokens['wrongSignature'] = await userToken({ role: 'admin', subject: 'mallory' }, '1h', { secret: 'not-the-real-secret-not-the-real-secret' });
  ownTransactionId = (await walletOf('owner').transfer({ accountIdFrom: owner.from, accountIdTo: owner.to, amount: '1.00' })).id;
  sharedTransactionId = (await walletOf('other').transfer({ accountIdFrom: other.from, accountIdTo: owner.to, amount: '1.00' })).id;
  // The read model is eventually consistent: wait until it knows both sides (bounded).
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const [a, b] = await Promise.all([admin.balance(owner.from), admin.balance(other.from)]);
    if ((a?.version ?? 0) >= 2 && (b?.version ?? 0) >= 2) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});
afterAll(async () => {
  for (const wallet of wallets) await wallet.close();
  await stack?.stop();
});

type Outcome = 'ok' | 'null' | 'FORBIDDEN' | 'UNAUTHENTICATED';

interface Operation {
  readonly name: string;
  readonly query: string;
  /** Variables per run (mutations need fresh idempotency keys and emails). */
  readonly variables: () => Record<string, unknown>;
  /** The root field whose value decides between ok and null. */
  readonly field: string;
  readonly expected: Readonly<Record<'other' | 'owner' | 'admin', Outcome>>;
  /** For refused calls: proof that nothing changed (read before and after). */
  readonly unchanged?: (variables: Record<string, unknown>) => Promise<unknown>;
}

const operations = (): readonly Operation[] => [
  {
    name: 'client(id)',
    query: 'query($id: ID!) { client(id: $id) { id name email accounts { id } } }',
    variables: () => ({ id: owner.clientId }),
    field: 'client',
    expected: { other: 'null', owner: 'ok', admin: 'ok' },
  },
  {
    name: 'account(id)',
    query: 'query($id: ID!) { account(id: $id) { id createdAt client { name } } }',
    variables: () => ({ id: owner.from }),
    field: 'account',
    expected: { other: 'null', owner: 'ok', admin: 'ok' },
  },
  {
    name: 'Account.transactions',
    query: 'query($id: ID!) { account(id: $id) { transactions(first: 5) { edges { node { id amount } } } } }',
    variables: () => ({ id: owner.from }),
    field: 'account',
    expected: { other: 'null', owner: 'ok', admin: 'ok' },
  },
  {
    name: 'transaction(id)',
    query: 'query($id: ID!) { transaction(id: $id) { id amount accountFrom { id } accountTo { id } } }',
    variables: () => ({ id: ownTransactionId }),
    field: 'transaction',
    expected: { other: 'null', owner: 'ok', admin: 'ok' },
  },
  {
    name: 'balance(accountId)',
    query: 'query($id: ID!) { balance(accountId: $id) { amount version } }',
    variables: () => ({ id: owner.from }),
    field: 'balance',
    expected: { other: 'null', owner: 'ok', admin: 'ok' },
  },
  {
    name: 'Account.balance',
    query: 'query($id: ID!) { account(id: $id) { balance { amount } } }',
    variables: () => ({ id: owner.from }),
    field: 'account',
    expected: { other: 'null', owner: 'ok', admin: 'ok' },
  },
  {
    name: 'createClient',
    query: 'mutation($input: CreateClientInput!) { createClient(input: $input) { id } }',
    variables: () => ({ input: { name: 'Matrix', email: `matrix-${randomUUID()}@example.com` } }),
    field: 'createClient',
    expected: { other: 'FORBIDDEN', owner: 'FORBIDDEN', admin: 'ok' },
    unchanged: async (variables) => countOf('SELECT COUNT(*) AS n FROM clients WHERE email = ?', [(variables['input'] as { email: string }).email]),
  },
  {
    name: 'createAccount',
    query: 'mutation($input: CreateAccountInput!) { createAccount(input: $input) { id client { id } } }',
    variables: () => ({ input: { clientId: owner.clientId } }),
    field: 'createAccount',
    expected: { other: 'FORBIDDEN', owner: 'ok', admin: 'ok' },
    unchanged: async () => countOf('SELECT COUNT(*) AS n FROM accounts WHERE client_id = ?', [owner.clientId]),
  },
  {
    name: 'deposit',
    query: 'mutation($input: DepositInput!) { deposit(input: $input) { id } }',
    variables: () => ({ input: { accountId: owner.from, amount: '1.00', idempotencyKey: randomUUID() } }),
    field: 'deposit',
    expected: { other: 'FORBIDDEN', owner: 'FORBIDDEN', admin: 'ok' },
    unchanged: () => balanceOf(owner.from),
  },
  {
    name: 'createTransaction',
    query: 'mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { id amount accountFrom { id } accountTo { id } } }',
    variables: () => ({ input: { accountIdFrom: owner.from, accountIdTo: other.to, amount: '0.01', idempotencyKey: randomUUID() } }),
    field: 'createTransaction',
    expected: { other: 'FORBIDDEN', owner: 'ok', admin: 'ok' },
    unchanged: () => balanceOf(owner.from),
  },
];

async function countOf(statement: string, values: unknown[]): Promise<number> {
  return Number((await sql<Array<{ n: bigint | number }>>(statement, values))[0]?.n);
}

function outcomeOf(result: GqlResult, field: string): string {
  const code = result.errors?.[0]?.extensions?.code;
  if (code !== undefined) return code;
  const value = result.data?.[field];
  if (value === null || value === undefined) return 'null';
  // A nested object nulled by a refused field would show up here as a null leaf: `ok` means complete data.
  return JSON.stringify(value).includes('null') ? `partial ${JSON.stringify(value)}` : 'ok';
}

describe('the authorization matrix: every operation × every kind of caller', () => {
  const cases = operations().flatMap((operation) =>
    callers.map((caller) => {
      const expected: Outcome = caller === 'none' || caller === 'expired' || caller === 'wrongSignature' ? 'UNAUTHENTICATED' : operation.expected[caller];
      return [operation.name, caller, expected] as const;
    }),
  );

  it.each(cases)('%s as %s → %s', async (name, caller, expected) => {
    const operation = operations().find((candidate) => candidate.name === name);
    if (operation === undefined) throw new Error(`no operation ${name}`);
    const variables = operation.variables();
    const before = expected !== 'ok' && operation.unchanged !== undefined ? await operation.unchanged(variables) : undefined;
    const result = await gql(stack.url, operation.query, variables, headersOf(caller));
    expect(outcomeOf(result, operation.field)).toBe(expected);
    if (expected === 'UNAUTHENTICATED') {
      expect(result.status).toBe(401);
      expect(result.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    if (expected === 'FORBIDDEN') expect(result.data ?? null).toBeNull();
    if (before !== undefined) expect(await operation.unchanged?.(variables)).toEqual(before);
  });

  it('clients: a client sees only itself, an admin sees everyone, nobody else anything', async () => {
    const query = 'query { clients(first: 100) { edges { node { id } } pageInfo { hasNextPage } } }';
    const ids = async (caller: Caller) =>
      ((await gql<{ clients: { edges: Array<{ node: { id: string } }> } }>(stack.url, query, {}, headersOf(caller))).data?.clients.edges ?? []).map(
        (edge) => edge.node.id,
      );
    expect(await ids('owner')).toEqual([owner.clientId]);
    expect(await ids('other')).toEqual([other.clientId]);
    expect((await ids('admin')).length).toBeGreaterThan(1);
    expect((await gql(stack.url, query, {}, headersOf('none'))).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('a foreign account looks exactly like an unknown one', () => {
  it.each([
    ['account(id)', 'query($id: ID!) { account(id: $id) { id } }'],
    ['balance(accountId)', 'query($id: ID!) { balance(accountId: $id) { amount } }'],
  ])('%s answers null for both', async (_name, query) => {
    const foreign = await gql(stack.url, query, { id: owner.from }, headersOf('other'));
    const unknown = await gql(stack.url, query, { id: randomUUID() }, headersOf('other'));
    expect(foreign.errors).toBeUndefined();
    expect(foreign.data).toEqual(unknown.data);
  });

  it('a transfer from a foreign or an unknown account is the same FORBIDDEN', async () => {
    const attempt = (from: string): Promise<unknown> =>
      walletOf('other')
        .transfer({ accountIdFrom: from, accountIdTo: other.to, amount: '1' })
        .catch((error: unknown) => error);
    const unknownId = randomUUID();
    const foreign = await attempt(owner.from);
    const unknown = await attempt(unknownId);
    expect(foreign).toBeInstanceOf(WalletError);
    expect(foreign).toMatchObject({ code: 'FORBIDDEN', retriable: false });
    expect((foreign as WalletError).message.replace(owner.from, '<id>')).toBe((unknown as WalletError).message.replace(unknownId, '<id>'));
  });

  it('a shared transaction shows the counterparty account id and nothing else about it', async () => {
    const query = 'query($id: ID!) { transaction(id: $id) { id accountFrom { id client { name email } } } }';
    const seen = await gql<{ transaction: { id: string; accountFrom: unknown } | null }>(stack.url, query, { id: sharedTransactionId }, headersOf('owner'));
    expect(seen.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(seen)).not.toContain(other.clientName);
    const balanceOnly = await gql<{ transaction: { accountFrom: { id: string; balance: unknown } } }>(
      stack.url,
      'query($id: ID!) { transaction(id: $id) { accountFrom { id balance { amount } } } }',
      { id: sharedTransactionId },
      headersOf('owner'),
    );
    expect(balanceOnly.data?.transaction.accountFrom).toEqual({ id: other.from, balance: null });
    const history = await gql(
      stack.url,
      'query($id: ID!) { transaction(id: $id) { accountFrom { transactions { edges { node { id } } } } } }',
      { id: sharedTransactionId },
      headersOf('owner'),
    );
    expect(history.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

const transports: readonly Transport[] = ['ws', 'sse'];
const balanceSubscription = 'subscription($id: ID!) { balanceUpdated(accountId: $id) { amount version account { client { name } } } }';

async function refusalOf(live: LiveSubscription): Promise<string> {
  const outcome = await Promise.race([live.ended.then((end) => ({ end })), live.next(10_000).then((event) => ({ event }))]);
  if ('event' in outcome) return JSON.stringify(outcome.event.errors);
  const error = outcome.end.error as { code?: number; reason?: string; response?: { status?: number; text?: () => Promise<string> } } | undefined;
  if (error?.response?.text !== undefined) return `${error.response.status} ${await error.response.text()}`;
  if (typeof error?.code === 'number') return `close ${error.code} ${error.reason ?? ''}`;
  return JSON.stringify(outcome.end);
}

describe.each(transports)('balanceUpdated over %s', (transport) => {
  it('refuses a foreign account (and an unknown one) with FORBIDDEN', async () => {
    for (const id of [owner.from, randomUUID()]) {
      const live = subscribe(transport, stack, balanceSubscription, { id }, { authorization: `Bearer ${tokens['other']}` });
      expect(await refusalOf(live)).toMatch(/FORBIDDEN.*not one of your accounts|not one of your accounts.*FORBIDDEN/);
      await live.close();
    }
  });

  it('delivers the owner its own account', async () => {
    const live = subscribe(transport, stack, balanceSubscription, { id: owner.to }, { authorization: `Bearer ${tokens['owner']}` });
    try {
      const asOwner = walletOf('owner');
      const event = await actUntilEvent(() => asOwner.transfer({ accountIdFrom: owner.from, accountIdTo: owner.to, amount: '0.10' }), live.next);
      expect(event.errors).toBeUndefined();
      expect(event.data).toMatchObject({ balanceUpdated: { account: { client: { name: owner.clientName } } } });
    } finally {
      await live.close();
    }
  });

  it.each<[Caller]>([['none'], ['expired'], ['wrongSignature']])('refuses a connection as %s before any subscription', async (caller) => {
    const live = subscribe(transport, stack, balanceSubscription, { id: owner.to }, { authorization: caller === 'none' ? null : `Bearer ${tokens[caller]}` });
    const refusal = await refusalOf(live);
    expect(refusal).toMatch(transport === 'ws' ? /^close 4401 Unauthorized/ : /^401 .*UNAUTHENTICATED/);
    await live.close();
  });
});

describe('a subscription lives no longer than its token', () => {
  const tokenLifetimeS = 3;

  it('WebSocket: the connection is closed with 4403 at exp, and the same token is then refused with 4401', async () => {
    const shortLived = await clientToken(owner.clientId, tokenLifetimeS);
    const expiresAtMs = Date.now() + tokenLifetimeS * 1000;
    const live = subscribe('ws', stack, balanceSubscription, { id: owner.to }, { authorization: `Bearer ${shortLived}` });
    try {
      const end = await Promise.race([live.ended, new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), (tokenLifetimeS + 10) * 1000))]);
      expect(end).not.toBe('open');
      const error = (end as { error?: { code?: number; reason?: string } }).error;
      expect({ code: error?.code, reason: error?.reason }).toEqual({ code: 4403, reason: 'Forbidden: token expired, reconnect with a fresh one' });
      // Not before exp (1 s of slack for the token's whole-second exp).
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAtMs - 1_000);
    } finally {
      await live.close();
    }
    const again = subscribe('ws', stack, balanceSubscription, { id: owner.to }, { authorization: `Bearer ${shortLived}` });
    expect(await refusalOf(again)).toMatch(/^close 4401 Unauthorized: token has expired/);
    await again.close();
  });

  it('SSE: the stream ends with one UNAUTHENTICATED error at exp', async () => {
    const shortLived = await clientToken(owner.clientId, tokenLifetimeS);
    const live = subscribe('sse', stack, balanceSubscription, { id: owner.to }, { authorization: `Bearer ${shortLived}` });
    try {
      const event = await live.next((tokenLifetimeS + 10) * 1000);
      expect(event.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
        ['UNAUTHENTICATED', 'your token has expired: subscribe again with a fresh one'],
      ]);
      await expect(live.ended).resolves.toMatchObject({ completed: true });
    } finally {
      await live.close();
    }
  });
});

describe('the WebSocket handshake', () => {
  it.each<[string, () => Promise<Record<string, unknown>>]>([
    ['connectionParams.token', async () => ({ token: await adminToken() })],
    ['connectionParams.authorization', async () => ({ authorization: await adminAuthorization() })],
    ['connectionParams.headers.Authorization', async () => ({ headers: { Authorization: await adminAuthorization() } })],
  ])('accepts %s', async (_name, connectionParams) => {
    const client = createWsClient({ url: stack.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams });
    const result = await new Promise<unknown>((resolve, reject) => {
      client.subscribe({ query: '{ __typename }' }, { next: resolve, error: reject, complete: () => undefined });
    });
    expect(result).toEqual({ data: { __typename: 'Query' } });
    await client.dispose();
  });
});

describe('the subgraphs refuse anyone but the gateway', () => {
  const forge = (identity: Identity) => mintInternalIdentity(identity, { secret: 'a-forged-secret-a-forged-secret-a-forged' });
  const credentials = async (): Promise<Array<[string, Record<string, string>]>> => [
    ['no credential', {}],
    ['a forged identity', { [INTERNAL_IDENTITY_HEADER]: await forge({ role: 'admin', subject: 'mallory' }) }],
    ['a user token as identity', { [INTERNAL_IDENTITY_HEADER]: await adminToken() }],
    ['a user bearer token', { authorization: await adminAuthorization() }],
    ['garbage', { [INTERNAL_IDENTITY_HEADER]: 'not.a.jwt' }],
  ];

  it.each([['wallet'], ['balance']])('the %s subgraph answers 401 JSON to a direct call without a valid gateway identity', async (name) => {
    const url = name === 'wallet' ? stack.wallet.graphqlUrl : stack.balance.graphqlUrl;
    for (const [label, headers] of await credentials()) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect([label, response.status]).toEqual([label, 401]);
      expect(await response.json()).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.any(String) });
    }
    const genuine = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_IDENTITY_HEADER]: await internalIdentity() },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(genuine.status).toBe(200);
  });

  it('the balance subgraph closes a WebSocket without a valid identity with 4401', async () => {
    for (const connectionParams of [{}, { headers: { [INTERNAL_IDENTITY_HEADER]: await forge({ role: 'admin', subject: 'm' }) } }]) {
      const client = createWsClient({ url: stack.balance.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams });
      const failure = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query: `subscription { balanceUpdated(accountId: "${owner.from}") { amount } }` },
          { next: () => undefined, error: resolve, complete: () => resolve('completed') },
        );
      });
      expect((failure as { code?: number }).code).toBe(4401);
      await client.dispose();
    }
  });

  it('the old REST routes are closed outside dev mode', async () => {
    const clients = await fetch(`${stack.wallet.restUrl}/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Rest', email: `${randomUUID()}@example.com` }),
    });
    expect(clients.status).toBe(401);
    const balance = await fetch(`${stack.balance.restUrl}/balances/${owner.from}`);
    expect(balance.status).toBe(401);
    const asAdmin = await fetch(`${stack.balance.restUrl}/balances/${owner.from}`, { headers: { authorization: await adminAuthorization() } });
    expect(asAdmin.status).toBe(200);
    const asOther = await fetch(`${stack.balance.restUrl}/balances/${owner.from}`, { headers: { authorization: `Bearer ${tokens['other']}` } });
    const unknown = await fetch(`${stack.balance.restUrl}/balances/${randomUUID()}`, { headers: { authorization: `Bearer ${tokens['other']}` } });
    expect([asOther.status, unknown.status]).toEqual([404, 404]);
  });
});

describe('the mutation rate limit', () => {
  let limited: Gateway;
  beforeAll(async () => {
    limited = createGateway(
      loadGatewayConfig({
        LOG_LEVEL: 'silent',
        NODE_ENV: 'test',
        GATEWAY_PORT: '0',
        GATEWAY_HOST: '127.0.0.1',
        WALLET_SUBGRAPH_URL: stack.wallet.graphqlUrl,
        BALANCE_SUBGRAPH_URL: stack.balance.graphqlUrl,
        BALANCE_SUBGRAPH_WS_URL: stack.balance.wsUrl,
        GATEWAY_MUTATIONS_PER_MINUTE_MAX: '3',
      }),
      logger.child({ service: 'limited-gateway' }),
    );
    await limited.start();
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('refuses the mutation after the budget with RATE_LIMITED and retryAfterMs, per identity, moving nothing', async () => {
    const send = (caller: Caller) =>
      gql(
        limited.url,
        'mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { id } }',
        { input: { accountIdFrom: owner.from, accountIdTo: owner.to, amount: '0.01', idempotencyKey: randomUUID() } },
        headersOf(caller),
      );
    for (let i = 0; i < 3; i += 1) expect((await send('owner')).errors).toBeUndefined();
    const before = await balanceOf(owner.from);
    const refused = await send('owner');
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
    expect(Number(refused.errors?.[0]?.extensions?.['retryAfterMs'])).toBeGreaterThan(0);
    expect(refused.errors?.[0]?.message).toMatch(/at most 3 per minute/);
    expect(await balanceOf(owner.from)).toEqual(before);
    // Another identity has its own budget; queries are not limited.
    expect((await send('admin')).errors).toBeUndefined();
    expect((await gql(limited.url, 'query($id: ID!) { account(id: $id) { id } }', { id: owner.from }, headersOf('owner'))).errors).toBeUndefined();
  });
});

describe('secrets and tokens stay out of logs and error messages', () => {
  it('no log line and no error response contains a token or a secret', async () => {
    const responses = [
      await gql(stack.url, '{ __typename }', {}, headersOf('wrongSignature')),
      await gql(stack.url, '{ __typename }', {}, headersOf('expired')),
      await gql(stack.url, '{ __typename }', {}, { authorization: `Bearer ${tokens['owner']}x` }),
      await gql(
        stack.url,
        'mutation { deposit(input: { accountId: "00000000-0000-4000-8000-000000000000", amount: "1", idempotencyKey: "k" }) { id } }',
        {},
        headersOf('owner'),
      ),
    ];
    const secrets = [DEV_AUTH_JWT_SECRET, DEV_INTERNAL_AUTH_SECRET, ...Object.values(tokens)];
    const haystacks = [...logLines, ...responses.map((response) => JSON.stringify(response))];
    expect(logLines.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      const signature = secret.split('.').at(-1) ?? secret;
      expect(haystacks.filter((text) => text.includes(signature))).toEqual([]);
    }
    expect(haystacks.filter((text) => /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./.test(text))).toEqual([]);
  });
});
