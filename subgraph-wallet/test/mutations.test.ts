import { randomUUID } from 'node:crypto';
import type { WalletService } from '../src/app.js';
import { storedKey } from '../src/store/idempotency.js';
import { balanceOf, errorCode, gql, M, newAccount, sql, startService, uniqueEmail } from './helpers.js';

let service: WalletService;
let url: string;

beforeAll(async () => {
  service = await startService();
  url = service.graphqlUrl;
});
afterAll(async () => {
  await service.stop();
});

/** Everything a refused money mutation could have written for these accounts / this key. */
async function footprint(accountIds: string[], key?: string): Promise<string> {
  const balances = await Promise.all(accountIds.map((id) => balanceOf(id).catch(() => null)));
  const [tx] = await sql<Array<{ n: bigint }>>('SELECT COUNT(*) AS n FROM transactions WHERE account_id_from IN (?) OR account_id_to IN (?)', [
    accountIds,
    accountIds,
  ]);
  const [dep] = await sql<Array<{ n: bigint }>>('SELECT COUNT(*) AS n FROM deposits WHERE account_id IN (?)', [accountIds]);
  const [out] = await sql<Array<{ n: bigint }>>('SELECT COUNT(*) AS n FROM outbox_events WHERE message_key IN (?)', [accountIds]);
  const [idem] = await sql<Array<{ n: bigint }>>('SELECT COUNT(*) AS n FROM idempotency_keys WHERE `key` = ?', [key === undefined ? '-' : storedKey(key)]);
  return JSON.stringify({ balances, tx: Number(tx?.n), dep: Number(dep?.n), out: Number(out?.n), idem: Number(idem?.n) });
}

describe('createClient', () => {
  it('creates a client with a trimmed name and lower-cased email', async () => {
    const email = uniqueEmail().toUpperCase();
    const result = await gql<{ createClient: { id: string; name: string; email: string; createdAt: string; accounts: unknown[] } }>(url, M.createClient, {
      input: { name: '  Ana  ', email },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.createClient).toMatchObject({ name: 'Ana', email: email.toLowerCase(), accounts: [] });
    expect(result.data?.createClient.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const rows = await sql('SELECT name, email FROM clients WHERE id = ?', [result.data?.createClient.id]);
    expect(rows).toEqual([{ name: 'Ana', email: email.toLowerCase() }]);
  });

  it('refuses a duplicate email (any case) with CONFLICT', async () => {
    const email = uniqueEmail();
    await gql(url, M.createClient, { input: { name: 'A', email } });
    const again = await gql(url, M.createClient, { input: { name: 'B', email: email.toUpperCase() } });
    expect(errorCode(again)).toBe('CONFLICT');
    const rows = await sql('SELECT name FROM clients WHERE email = ?', [email]);
    expect(rows).toEqual([{ name: 'A' }]);
  });

  it('compares emails accent-sensitively: lücas@ is not lucas@, LÜCAS@ and lu\u0308cas@ are lücas@', async () => {
    const local = `lucas-${randomUUID().slice(0, 8)}`;
    const accented = local.replace('lucas', 'lücas');
    expect(errorCode(await gql(url, M.createClient, { input: { name: 'Plain', email: `${local}@example.com` } }))).toBeUndefined();
    expect(errorCode(await gql(url, M.createClient, { input: { name: 'Accented', email: `${accented}@example.com` } }))).toBeUndefined();
    expect(errorCode(await gql(url, M.createClient, { input: { name: 'Upper', email: `${accented.toUpperCase()}@EXAMPLE.com` } }))).toBe('CONFLICT');
    expect(errorCode(await gql(url, M.createClient, { input: { name: 'Decomposed', email: `${accented.normalize('NFD')}@example.com` } }))).toBe('CONFLICT');
    const rows = await sql<Array<{ name: string; email_key: string }>>('SELECT name, email_key FROM clients WHERE email_key IN (?) ORDER BY name', [
      [`${local}@example.com`, `${accented}@example.com`],
    ]);
    expect(rows).toEqual([
      { name: 'Accented', email_key: `${accented}@example.com` },
      { name: 'Plain', email_key: `${local}@example.com` },
    ]);
  });

  it.each([
    ['lone surrogate in the name', { name: 'Mal\ud800lory', email: 'ok@example.com' }],
    ['empty name', { name: '   ', email: 'ok@example.com' }],
    ['oversized name', { name: 'x'.repeat(256), email: 'ok@example.com' }],
    ['invalid email', { name: 'A', email: 'not-an-email' }],
    ['email without domain dot', { name: 'A', email: 'a@localhost' }],
    ['oversized email', { name: 'A', email: `${'a'.repeat(250)}@example.com` }],
  ])('refuses %s with BAD_USER_INPUT and writes nothing', async (_label, input) => {
    const marker = `${randomUUID()}@example.com`;
    const result = await gql(url, M.createClient, { input: { ...input, email: input.email === 'ok@example.com' ? marker : input.email } });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(await sql('SELECT id FROM clients WHERE email IN (?)', [[marker, input.email]])).toEqual([]);
  });
});

describe('createAccount', () => {
  it('opens an account at balance 0, version 0, with its opening event in the outbox', async () => {
    const { clientId, accountId } = await newAccount(url);
    expect(await balanceOf(accountId)).toEqual({ balance: '0.0000', version: 0 });
    const rows = await sql<Array<{ client_id: string }>>('SELECT client_id FROM accounts WHERE id = ?', [accountId]);
    expect(rows[0]?.client_id).toBe(clientId);
    const outbox = await sql<Array<{ topic: string; payload: string }>>('SELECT topic, payload FROM outbox_events WHERE message_key = ?', [accountId]);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]?.topic).toBe('balances');
    expect(outbox[0]?.payload).toContain(`"balance_account_id_from":0,"balance_account_id_to":0,"version_account_id_from":0,"version_account_id_to":0`);
  });

  it.each([
    ['malformed client id', 'not-a-uuid', 'BAD_USER_INPUT'],
    ['unknown client id', randomUUID(), 'NOT_FOUND'],
  ])('refuses a %s and writes nothing', async (_label, clientId, code) => {
    const result = await gql(url, M.createAccount, { input: { clientId } });
    expect(errorCode(result)).toBe(code);
    expect(await sql('SELECT id FROM accounts WHERE client_id = ?', [clientId])).toEqual([]);
  });
});

describe('deposit', () => {
  it('adds exactly, bumps the version and records the deposit', async () => {
    const { accountId } = await newAccount(url);
    const result = await gql<{ deposit: { id: string } }>(url, M.deposit, { input: { accountId, amount: '10.5001', idempotencyKey: randomUUID() } });
    expect(result.data?.deposit.id).toBe(accountId);
    expect(await balanceOf(accountId)).toEqual({ balance: '10.5001', version: 1 });
    expect(await sql('SELECT CAST(amount AS CHAR) AS amount FROM deposits WHERE account_id = ?', [accountId])).toEqual([{ amount: '10.5001' }]);
  });

  it('replays a retried key without depositing twice', async () => {
    const { accountId } = await newAccount(url);
    const idempotencyKey = randomUUID();
    await gql(url, M.deposit, { input: { accountId, amount: '7', idempotencyKey } });
    const again = await gql(url, M.deposit, { input: { accountId, amount: '7.00', idempotencyKey } });
    expect(again.errors).toBeUndefined();
    expect(await balanceOf(accountId)).toEqual({ balance: '7.0000', version: 1 });
  });

  it('treats keys that differ only in case as different keys', async () => {
    const { accountId } = await newAccount(url);
    const key = `Key-${randomUUID()}`;
    await gql(url, M.deposit, { input: { accountId, amount: '1', idempotencyKey: key } });
    const other = await gql(url, M.deposit, { input: { accountId, amount: '2', idempotencyKey: key.toLowerCase() } });
    expect(other.errors).toBeUndefined();
    expect((await balanceOf(accountId)).balance).toBe('3.0000');
  });
});

describe('money mutations refuse bad input and write nothing', () => {
  const cases: Array<[string, (a: string, b: string) => Record<string, unknown>, string]> = [
    ['zero amount', (a, b) => ({ accountIdFrom: a, accountIdTo: b, amount: '0' }), 'BAD_USER_INPUT'],
    ['negative amount', (a, b) => ({ accountIdFrom: a, accountIdTo: b, amount: '-1' }), 'BAD_USER_INPUT'],
    ['non-numeric amount', (a, b) => ({ accountIdFrom: a, accountIdTo: b, amount: 'ten' }), 'BAD_USER_INPUT'],
    ['exponent amount', (a, b) => ({ accountIdFrom: a, accountIdTo: b, amount: '1e3' }), 'BAD_USER_INPUT'],
    ['JSON float amount', (a, b) => ({ accountIdFrom: a, accountIdTo: b, amount: 0.5 }), 'BAD_USER_INPUT'],
    ['JSON integer beyond exact doubles', (a, b) => ({ accountIdFrom: a, accountIdTo: b, amount: 2 ** 53 }), 'BAD_USER_INPUT'],
    ['boolean amount', (a, b) => ({ accountIdFrom: a, accountIdTo: b, amount: true }), 'BAD_USER_INPUT'],
    ['list amount', (a, b) => ({ accountIdFrom: a, accountIdTo: b, amount: [5] }), 'BAD_USER_INPUT'],
    ['object amount', (a, b) => ({ accountIdFrom: a, accountIdTo: b, amount: {} }), 'BAD_USER_INPUT'],
    ['lone surrogate in the idempotency key', (a, b) => ({ accountIdFrom: a, accountIdTo: b, amount: '1', idempotencyKey: 'k\ud800' }), 'BAD_USER_INPUT'],
    ['five decimal places', (a, b) => ({ accountIdFrom: a, accountIdTo: b, amount: '1.00001' }), 'BAD_USER_INPUT'],
    ['amount over the maximum', (a, b) => ({ accountIdFrom: a, accountIdTo: b, amount: '1000000000.0001' }), 'BAD_USER_INPUT'],
    ['same account on both sides', (a) => ({ accountIdFrom: a, accountIdTo: a, amount: '1' }), 'BAD_USER_INPUT'],
    ['malformed sender id', (_a, b) => ({ accountIdFrom: 'abc', accountIdTo: b, amount: '1' }), 'BAD_USER_INPUT'],
    ['unknown sender', (_a, b) => ({ accountIdFrom: randomUUID(), accountIdTo: b, amount: '1' }), 'NOT_FOUND'],
    ['unknown receiver', (a) => ({ accountIdFrom: a, accountIdTo: randomUUID(), amount: '1' }), 'NOT_FOUND'],
    ['insufficient funds', (a, b) => ({ accountIdFrom: a, accountIdTo: b, amount: '100.0001' }), 'INSUFFICIENT_FUNDS'],
    ['empty idempotency key', (a, b) => ({ accountIdFrom: a, accountIdTo: b, amount: '1', idempotencyKey: '' }), 'BAD_USER_INPUT'],
    ['oversized idempotency key', (a, b) => ({ accountIdFrom: a, accountIdTo: b, amount: '1', idempotencyKey: 'k'.repeat(256) }), 'BAD_USER_INPUT'],
  ];

  it.each(cases)('transfer: %s', async (label, build, code) => {
    const a = await newAccount(url, '100');
    const b = await newAccount(url);
    const key = randomUUID();
    const before = await footprint([a.accountId, b.accountId], key);
    const result = await gql(url, M.transfer, { input: { idempotencyKey: key, ...build(a.accountId, b.accountId) } });
    expect(errorCode(result)).toBe(code);
    if (label === 'insufficient funds') expect(result.errors?.[0]?.message).toBe('insufficient funds');
    expect(await footprint([a.accountId, b.accountId], key)).toBe(before);
  });

  it('transfer: missing idempotency key is refused by the schema', async () => {
    const a = await newAccount(url, '100');
    const b = await newAccount(url);
    const before = await footprint([a.accountId, b.accountId]);
    const result = await gql(url, M.transfer, { input: { accountIdFrom: a.accountId, accountIdTo: b.accountId, amount: '1' } });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(await footprint([a.accountId, b.accountId])).toBe(before);
  });

  it.each([
    ['zero amount', { amount: '0' }, 'BAD_USER_INPUT'],
    ['over-precise amount', { amount: '0.00001' }, 'BAD_USER_INPUT'],
    ['malformed account id', { accountId: '123' }, 'BAD_USER_INPUT'],
    ['unknown account', { accountId: randomUUID() }, 'NOT_FOUND'],
    ['balance beyond DECIMAL(19,4)', { amount: '1000000000' }, 'BAD_USER_INPUT'],
  ])('deposit: %s', async (_label, override, code) => {
    const a = await newAccount(url);
    // Bring the account near the DECIMAL(19,4) ceiling to test the overflow case.
    await sql('UPDATE accounts SET balance = ? WHERE id = ?', ['999999500000000.0000', a.accountId]);
    const key = randomUUID();
    const before = await footprint([a.accountId], key);
    const result = await gql(url, M.deposit, { input: { accountId: a.accountId, amount: '1', idempotencyKey: key, ...override } });
    expect(errorCode(result)).toBe(code);
    expect(await footprint([a.accountId], key)).toBe(before);
  });
});

describe('createTransaction', () => {
  it('moves money atomically, bumps both versions and returns the transaction', async () => {
    const a = await newAccount(url, '1000');
    const b = await newAccount(url, '1000');
    const result = await gql<{ createTransaction: { id: string; amount: string; accountFrom: { id: string }; accountTo: { id: string } } }>(url, M.transfer, {
      input: { accountIdFrom: a.accountId, accountIdTo: b.accountId, amount: '5', idempotencyKey: randomUUID() },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.createTransaction).toMatchObject({ amount: '5.00', accountFrom: { id: a.accountId }, accountTo: { id: b.accountId } });
    expect(await balanceOf(a.accountId)).toEqual({ balance: '995.0000', version: 2 });
    expect(await balanceOf(b.accountId)).toEqual({ balance: '1005.0000', version: 2 });
    const rows = await sql('SELECT account_id_from, account_id_to, CAST(amount AS CHAR) AS amount FROM transactions WHERE id = ?', [
      result.data?.createTransaction.id,
    ]);
    expect(rows).toEqual([{ account_id_from: a.accountId, account_id_to: b.accountId, amount: '5.0000' }]);
  });

  it('allows spending the whole balance, to exactly zero', async () => {
    const a = await newAccount(url, '0.0003');
    const b = await newAccount(url);
    const result = await gql(url, M.transfer, {
      input: { accountIdFrom: a.accountId, accountIdTo: b.accountId, amount: '0.0003', idempotencyKey: randomUUID() },
    });
    expect(result.errors).toBeUndefined();
    expect((await balanceOf(a.accountId)).balance).toBe('0.0000');
  });

  it('same key with a different input is IDEMPOTENCY_KEY_REUSED and moves nothing more', async () => {
    const a = await newAccount(url, '100');
    const b = await newAccount(url);
    const idempotencyKey = randomUUID();
    await gql(url, M.transfer, { input: { accountIdFrom: a.accountId, accountIdTo: b.accountId, amount: '1', idempotencyKey } });
    const before = await footprint([a.accountId, b.accountId], idempotencyKey);
    const other = await gql(url, M.transfer, { input: { accountIdFrom: a.accountId, accountIdTo: b.accountId, amount: '2', idempotencyKey } });
    expect(errorCode(other)).toBe('IDEMPOTENCY_KEY_REUSED');
    const asDeposit = await gql(url, M.deposit, { input: { accountId: a.accountId, amount: '1', idempotencyKey } });
    expect(errorCode(asDeposit)).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await footprint([a.accountId, b.accountId], idempotencyKey)).toBe(before);
  });

  it('never leaks a stack trace in errors', async () => {
    const result = await gql(url, M.transfer, { input: { accountIdFrom: 'x', accountIdTo: 'y', amount: '1', idempotencyKey: 'k' } });
    expect(JSON.stringify(result.errors)).not.toMatch(/stacktrace|at .*\.ts:\d+/);
  });
});
