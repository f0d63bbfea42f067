import { randomUUID } from 'node:crypto';
import type { WalletService } from '../src/app.js';
import { DEV_AUTH_JWT_SECRET } from '@walletgraph/platform/core';
import { DEFAULT_AUTH_AUDIENCE, DEFAULT_AUTH_ISSUER, mintUserToken, type Identity } from '@walletgraph/platform/auth';
import { balanceOf, newAccount, sql, startService, uniqueEmail } from './helpers.js';

let service: WalletService;

// The old routes are open only in dev mode (WALLETGRAPH_DEV_MODE=true, what `npm start` sets).
beforeAll(async () => {
  service = await startService({ WALLETGRAPH_DEV_MODE: 'true' });
});
afterAll(async () => {
  await service.stop();
});

async function post(
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
  const response = await fetch(`${service.restUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  return { status: response.status, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('old Walletcore REST routes', () => {
  it('POST /clients with the old body answers the old shape', async () => {
    const email = uniqueEmail();
    const res = await post('/clients', JSON.stringify({ name: 'Samuca', email }));
    expect(res.status).toBe(201);
    expect(Object.keys(res.json)).toEqual(['ID', 'Name', 'Email', 'CreatedAt', 'UpdatedAt']);
    expect(res.json).toMatchObject({ Name: 'Samuca', Email: email });
    expect(String(res.json['CreatedAt'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  it('POST /accounts with {"client_id"} answers {"ID"} and the account starts at 0', async () => {
    const client = await post('/clients', JSON.stringify({ name: 'Lucas', email: uniqueEmail() }));
    const res = await post('/accounts', JSON.stringify({ client_id: client.json['ID'] }));
    expect(res.status).toBe(201);
    expect(Object.keys(res.json)).toEqual(['ID']);
    expect(await balanceOf(String(res.json['ID']))).toEqual({ balance: '0.0000', version: 0 });
  });

  it('POST /transactions with a JSON number amount moves money and answers the old shape with a number', async () => {
    const a = await newAccount(service.graphqlUrl, '1000');
    const b = await newAccount(service.graphqlUrl, '1000');
    const res = await post('/transactions', `{"account_id_from":"${a.accountId}","account_id_to":"${b.accountId}","amount":5}`);
    expect(res.status).toBe(201);
    expect(res.text).toBe(`{"id":"${String(res.json['id'])}","account_id_from":"${a.accountId}","account_id_to":"${b.accountId}","amount":5}`);
    expect((await balanceOf(a.accountId)).balance).toBe('995.0000');
    expect((await balanceOf(b.accountId)).balance).toBe('1005.0000');
  });

  it('the seed accounts of the old .http files still transfer', async () => {
    const before = await balanceOf('7dfe0fa9-d168-4329-a9ba-ca1b7052fac3');
    const res = await post(
      '/transactions',
      JSON.stringify({ account_id_from: '7dfe0fa9-d168-4329-a9ba-ca1b7052fac3', account_id_to: 'c6aee752-9977-46c3-9fa0-29e14f85f73f', amount: 0.5 }),
    );
    expect(res.status).toBe(201);
    expect(res.json['amount']).toBe(0.5);
    expect((await balanceOf('7dfe0fa9-d168-4329-a9ba-ca1b7052fac3')).version).toBeGreaterThan(before.version);
  });

  it('an Idempotency-Key header makes a retried POST /transactions move money once', async () => {
    const a = await newAccount(service.graphqlUrl, '10');
    const b = await newAccount(service.graphqlUrl);
    const body = JSON.stringify({ account_id_from: a.accountId, account_id_to: b.accountId, amount: 1 });
    const key = randomUUID();
    const [first, second] = [await post('/transactions', body, { 'idempotency-key': key }), await post('/transactions', body, { 'idempotency-key': key })];
    expect(second.json['id']).toBe(first.json['id']);
    expect((await balanceOf(a.accountId)).balance).toBe('9.0000');
  });

  it.each([
    ['insufficient funds', (a: string, b: string) => ({ account_id_from: a, account_id_to: b, amount: 11 }), 400, 'INSUFFICIENT_FUNDS', 'insufficient funds'],
    ['negative amount', (a: string, b: string) => ({ account_id_from: a, account_id_to: b, amount: -1 }), 400, 'BAD_USER_INPUT', undefined],
    ['same account', (a: string) => ({ account_id_from: a, account_id_to: a, amount: 1 }), 400, 'BAD_USER_INPUT', undefined],
    ['unknown account', (a: string) => ({ account_id_from: a, account_id_to: randomUUID(), amount: 1 }), 404, 'NOT_FOUND', undefined],
    ['string amount with 5 places', (a: string, b: string) => ({ account_id_from: a, account_id_to: b, amount: '1.00001' }), 400, 'BAD_USER_INPUT', undefined],
  ])('POST /transactions refuses %s with a 4xx JSON error and moves nothing', async (_label, build, status, code, message) => {
    const a = await newAccount(service.graphqlUrl, '10');
    const b = await newAccount(service.graphqlUrl);
    const res = await post('/transactions', JSON.stringify(build(a.accountId, b.accountId)));
    expect(res.status).toBe(status);
    expect(res.json['code']).toBe(code);
    expect(typeof res.json['message']).toBe('string');
    if (message !== undefined) expect(res.json['message']).toBe(message);
    expect(await balanceOf(a.accountId)).toEqual({ balance: '10.0000', version: 1 });
    expect(await sql('SELECT id FROM transactions WHERE account_id_from = ?', [a.accountId])).toEqual([]);
  });

  // The legacy wire format keeps JSON numbers, read from their text: exact, never through a double.
  it.each([
    ['0.10000000000000001', /more than 4 decimal places/],
    ['1.00000000000000001', /more than 4 decimal places/],
    ['1.5e2', /plain decimal/],
    ['1E0', /plain decimal/],
  ])('POST /transactions refuses the JSON number %s (never rounds it) and moves nothing', async (amount, message) => {
    const a = await newAccount(service.graphqlUrl, '10');
    const b = await newAccount(service.graphqlUrl);
    const res = await post('/transactions', `{"account_id_from":"${a.accountId}","account_id_to":"${b.accountId}","amount":${amount}}`);
    expect([res.status, res.json['code']]).toEqual([400, 'BAD_USER_INPUT']);
    expect(String(res.json['message'])).toMatch(message);
    expect(await balanceOf(a.accountId)).toEqual({ balance: '10.0000', version: 1 });
  });

  it('POST /clients refuses a name or email holding a lone surrogate', async () => {
    for (const body of [
      `{"name":"Mal\\ud800lory","email":"${randomUUID()}@example.com"}`,
      `{"name":"Mallory","email":"mal\\udc00${randomUUID()}@example.com"}`,
    ]) {
      const res = await post('/clients', body);
      expect([res.status, res.json['code'], res.json['message']]).toEqual([400, 'BAD_USER_INPUT', expect.stringMatching(/lone surrogate/)]);
    }
  });

  it.each([
    ['/clients', '{"name":"","email":"x@example.com"}', 400, 'BAD_USER_INPUT'],
    ['/clients', 'not json', 400, 'BAD_USER_INPUT'],
    ['/clients', '[1,2]', 400, 'BAD_USER_INPUT'],
    ['/accounts', '{"client_id":"nope"}', 400, 'BAD_USER_INPUT'],
    ['/accounts', `{"client_id":"${randomUUID()}"}`, 404, 'NOT_FOUND'],
    ['/nowhere', '{}', 404, 'NOT_FOUND'],
  ])('POST %s %s → %i %s', async (path, body, status, code) => {
    const res = await post(path, body);
    expect(res.status).toBe(status);
    expect(res.json['code']).toBe(code);
  });

  it('refuses a duplicate email with 409 CONFLICT', async () => {
    const email = uniqueEmail();
    await post('/clients', JSON.stringify({ name: 'A', email }));
    const res = await post('/clients', JSON.stringify({ name: 'A', email }));
    expect(res.status).toBe(409);
    expect(res.json['code']).toBe('CONFLICT');
  });

  it('refuses GET with 405 and an oversized body with 400', async () => {
    const get = await fetch(`${service.restUrl}/clients`);
    expect(get.status).toBe(405);
    const big = await post('/clients', JSON.stringify({ name: 'x'.repeat(2_000_000), email: uniqueEmail() }));
    expect(big.status).toBe(400);
    expect(big.json['code']).toBe('BAD_USER_INPUT');
  });
});

describe('old Walletcore REST routes outside dev mode', () => {
  let secured: WalletService;
  beforeAll(async () => {
    secured = await startService({ WALLETGRAPH_DEV_MODE: 'false' });
  });
  afterAll(async () => {
    await secured.stop();
  });

  const bearer = async (identity: Identity, expiresIn: number | string = '5m'): Promise<Record<string, string>> => ({
    authorization: `Bearer ${await mintUserToken(identity, { secret: DEV_AUTH_JWT_SECRET, issuer: DEFAULT_AUTH_ISSUER, audience: DEFAULT_AUTH_AUDIENCE, expiresIn })}`,
  });
  const admin: Identity = { role: 'admin', subject: 'rest-admin' };
  const securedPost = async (path: string, body: unknown, headers: Record<string, string>) => {
    const response = await fetch(`${secured.restUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  it('refuses every route without a valid bearer token (401) and creates nothing', async () => {
    const email = uniqueEmail();
    const forged = await mintUserToken(admin, {
      secret: 'not-the-secret-not-the-secret-not-the-secret',
      issuer: DEFAULT_AUTH_ISSUER,
      audience: DEFAULT_AUTH_AUDIENCE,
      expiresIn: '5m',
    });
    for (const headers of [{}, { authorization: `Bearer ${forged}` }, await bearer(admin, -60), { authorization: 'Basic YWRtaW46YWRtaW4=' }]) {
      const res = await securedPost('/clients', { name: 'Nobody', email }, headers);
      expect(res.status).toBe(401);
      expect(res.json['code']).toBe('UNAUTHENTICATED');
    }
    expect(await sql('SELECT id FROM clients WHERE email = ?', [email])).toEqual([]);
  });

  it('applies the GraphQL rules: admin does everything, a client only its own', async () => {
    const created = await securedPost('/clients', { name: 'Owner', email: uniqueEmail() }, await bearer(admin));
    expect(created.status).toBe(201);
    const clientId = String(created.json['ID']);
    const owner = await bearer({ role: 'client', subject: 'owner', clientId });
    expect((await securedPost('/clients', { name: 'X', email: uniqueEmail() }, owner)).status).toBe(403);
    const own = await securedPost('/accounts', { client_id: clientId }, owner);
    expect(own.status).toBe(201);
    const other = await newAccount(secured.graphqlUrl, '10');
    expect((await securedPost('/accounts', { client_id: other.clientId }, owner)).json['code']).toBe('FORBIDDEN');
    // Money moves only from the caller's own account; a foreign and an unknown source look the same.
    const stolen = await securedPost('/transactions', { account_id_from: other.accountId, account_id_to: own.json['ID'], amount: 1 }, owner);
    const unknown = await securedPost('/transactions', { account_id_from: randomUUID(), account_id_to: own.json['ID'], amount: 1 }, owner);
    expect([stolen.status, stolen.json['code']]).toEqual([403, 'FORBIDDEN']);
    expect([unknown.status, unknown.json['code']]).toEqual([403, 'FORBIDDEN']);
    expect(String(stolen.json['message']).replace(other.accountId, 'ID')).toBe(String(unknown.json['message']).replace(/[0-9a-f-]{36}/, 'ID'));
    expect(await balanceOf(other.accountId)).toEqual({ balance: '10.0000', version: 1 });
    const paid = await securedPost(
      '/transactions',
      { account_id_from: other.accountId, account_id_to: own.json['ID'], amount: 1 },
      await bearer({ role: 'client', subject: 'o', clientId: other.clientId }),
    );
    expect(paid.status).toBe(201);
  });
});
