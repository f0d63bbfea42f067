// The wallet subgraph's own guard: the gateway's signed identity on every request, the policy on every field.
import { randomUUID } from 'node:crypto';
import { INTERNAL_IDENTITY_HEADER, mintInternalIdentity, type Identity } from '@walletgraph/platform/auth';
import type { WalletService } from '../src/app.js';
import { balanceOf, errorCode, gql, identityHeaders, M, newAccount, startService, uniqueEmail } from './helpers.js';

let service: WalletService;
let url: string;
let mine: { clientId: string; accountId: string };
let theirs: { clientId: string; accountId: string };
let me: Identity;

beforeAll(async () => {
  service = await startService();
  url = service.graphqlUrl;
  mine = await newAccount(url, '100');
  theirs = await newAccount(url, '100');
  me = { role: 'client', subject: 'me', clientId: mine.clientId };
});
afterAll(async () => {
  await service.stop();
});

const as = async (identity: Identity) => identityHeaders(identity);

describe('the gateway credential', () => {
  it.each<[string, () => Promise<Record<string, string>>]>([
    ['none', async () => ({ [INTERNAL_IDENTITY_HEADER]: '' })],
    [
      'forged',
      async () => ({
        [INTERNAL_IDENTITY_HEADER]: await mintInternalIdentity({ role: 'admin', subject: 'x' }, { secret: 'forged-forged-forged-forged-forged-forged' }),
      }),
    ],
    ['malformed', async () => ({ [INTERNAL_IDENTITY_HEADER]: 'a.b.c' })],
  ])('%s → 401 UNAUTHENTICATED before any GraphQL runs', async (_name, headers) => {
    const email = uniqueEmail();
    const result = await gql(url, M.createClient, { input: { name: 'X', email } }, await headers());
    expect(result.status).toBe(401);
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
  });
});

describe('a client identity', () => {
  it('may not create clients nor deposit', async () => {
    expect(errorCode(await gql(url, M.createClient, { input: { name: 'X', email: uniqueEmail() } }, await as(me)))).toBe('FORBIDDEN');
    expect(errorCode(await gql(url, M.deposit, { input: { accountId: mine.accountId, amount: '1', idempotencyKey: randomUUID() } }, await as(me)))).toBe(
      'FORBIDDEN',
    );
    expect(await balanceOf(mine.accountId)).toMatchObject({ balance: '100.0000' });
  });

  it('opens accounts only for itself', async () => {
    expect((await gql(url, M.createAccount, { input: { clientId: mine.clientId } }, await as(me))).errors).toBeUndefined();
    expect(errorCode(await gql(url, M.createAccount, { input: { clientId: theirs.clientId } }, await as(me)))).toBe('FORBIDDEN');
    expect(errorCode(await gql(url, M.createAccount, { input: { clientId: randomUUID() } }, await as(me)))).toBe('FORBIDDEN');
  });

  it('moves money only from its own accounts, to any account; nothing moves otherwise', async () => {
    const paid = await gql(
      url,
      M.transfer,
      { input: { accountIdFrom: mine.accountId, accountIdTo: theirs.accountId, amount: '1', idempotencyKey: randomUUID() } },
      await as(me),
    );
    expect(paid.errors).toBeUndefined();
    const before = await balanceOf(theirs.accountId);
    const stolen = await gql(
      url,
      M.transfer,
      { input: { accountIdFrom: theirs.accountId, accountIdTo: mine.accountId, amount: '1', idempotencyKey: randomUUID() } },
      await as(me),
    );
    expect(errorCode(stolen)).toBe('FORBIDDEN');
    expect(await balanceOf(theirs.accountId)).toEqual(before);
  });

  it('reads only its own client, accounts and transactions; entity references too', async () => {
    const read = await gql<{ client: unknown; other: unknown; account: unknown; foreign: unknown }>(
      url,
      'query($c: ID!, $o: ID!, $a: ID!, $f: ID!) { client(id: $c) { id } other: client(id: $o) { id } account(id: $a) { id } foreign: account(id: $f) { id } }',
      { c: mine.clientId, o: theirs.clientId, a: mine.accountId, f: theirs.accountId },
      await as(me),
    );
    expect(read.data).toEqual({ client: { id: mine.clientId }, other: null, account: { id: mine.accountId }, foreign: null });
    const entities = await gql<{ _entities: unknown[] }>(
      url,
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id } ... on Client { id } } }',
      {
        r: [
          { __typename: 'Account', id: mine.accountId },
          { __typename: 'Account', id: theirs.accountId },
          { __typename: 'Client', id: theirs.clientId },
        ],
      },
      await as(me),
    );
    expect(entities.data?._entities).toEqual([{ id: mine.accountId }, null, null]);
  });

  it('two identities at once (their account reads share one statement): each caller sees only its own account and client', async () => {
    const them: Identity = { role: 'client', subject: 'them', clientId: theirs.clientId };
    const query = 'query($a: ID!, $b: ID!) { a: account(id: $a) { id client { id } } b: account(id: $b) { id client { id } } }';
    const [myHeaders, theirHeaders] = await Promise.all([as(me), as(them)]);
    const reads = await Promise.all(
      Array.from({ length: 20 }, (_, i) => gql(url, query, { a: mine.accountId, b: theirs.accountId }, i % 2 === 0 ? myHeaders : theirHeaders)),
    );
    reads.forEach((read, i) =>
      expect(read.data).toEqual(
        i % 2 === 0
          ? { a: { id: mine.accountId, client: { id: mine.clientId } }, b: null }
          : { a: null, b: { id: theirs.accountId, client: { id: theirs.clientId } } },
      ),
    );
  });

  it('lists only itself in clients, and nothing after its own cursor', async () => {
    const page = await gql<{ clients: { edges: Array<{ cursor: string; node: { id: string } }> } }>(
      url,
      '{ clients(first: 50) { edges { cursor node { id } } } }',
      {},
      await as(me),
    );
    expect(page.data?.clients.edges.map((edge) => edge.node.id)).toEqual([mine.clientId]);
    const after = page.data?.clients.edges[0]?.cursor;
    const next = await gql<{ clients: { edges: unknown[] } }>(
      url,
      'query($after: String) { clients(first: 50, after: $after) { edges { cursor } } }',
      { after },
      await as(me),
    );
    expect(next.data?.clients.edges).toEqual([]);
  });
});
