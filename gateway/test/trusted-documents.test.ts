// Trusted documents (issue 14): with GATEWAY_TRUSTED_DOCUMENTS=clients a caller with role client runs
// only the documents of the SDK's manifest (sdk/persisted-query-manifest.json), sent as text or by
// id, over HTTP, WebSocket and SSE alike; admins run anything (under every limit); with `all`,
// admins too are limited.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createWalletClient, type FetchLike, type WalletClient } from '@walletgraph/sdk';
import WebSocket from 'ws';
import { adminAuthorization, adminToken, clientToken } from './auth';
import { gql, subscribe, type Transport } from './client';
import { actUntilEvent, createFundedAccounts, type Accounts } from './fixtures';
import { metricValue, refusalOf } from './refusals';
import { startStack, type Stack } from './stack';
import { testWallet } from './wallet-client';

const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../sdk/persisted-query-manifest.json'), 'utf8')) as {
  operations: Array<{ id: string; name: string; body: string }>;
};
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const untrustedQuery = 'query Mine($id: ID!) { account(id: $id) { id client { name } } }';
const untrustedSubscription = 'subscription Mine($id: ID!) { balanceUpdated(accountId: $id) { amount } }';
const unknownId = '0'.repeat(64);
const persistedQuery = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

/** An HTTP POST of any JSON body, for what the SDK does not send (ids of other documents, APQ registration). */
async function post(stack: Stack, body: unknown, authorization: string) {
  const response = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(body) });
  const json = (await response.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  return { status: response.status, ...json };
}

/** The SDK as a client, recording what it sends over HTTP. */
function clientWallet(stack: Stack, token: string, documentIdsOnly: boolean, sent: unknown[]): WalletClient {
  const recordingFetch: FetchLike = async (url, init) => {
    sent.push(JSON.parse(init.body));
    return fetch(url, init);
  };
  return createWalletClient({
    url: stack.url,
    wsUrl: stack.wsUrl,
    webSocketImpl: WebSocket,
    token,
    documentIdsOnly,
    fetch: recordingFetch,
    retry: { attemptCountMax: 1 },
  });
}

describe('GATEWAY_TRUSTED_DOCUMENTS=clients', () => {
  let stack: Stack;
  let admin: WalletClient;
  let accounts: Accounts;
  let client: string;
  beforeAll(async () => {
    stack = await startStack({ gatewayEnv: { GATEWAY_TRUSTED_DOCUMENTS: 'clients' } });
    admin = testWallet(stack);
    accounts = await createFundedAccounts(admin);
    client = `Bearer ${await clientToken(accounts.clientId)}`;
  });
  afterAll(async () => {
    await admin?.close();
    await stack?.stop();
  });

  it.each([false, true])('lets a client run every SDK operation (ids only: %s), queries, mutations and a live balance', async (documentIdsOnly) => {
    const sent: unknown[] = [];
    const wallet = clientWallet(stack, client.slice('Bearer '.length), documentIdsOnly, sent);
    try {
      const updates = wallet.onBalanceUpdated(accounts.to);
      const transfer = await wallet.transfer({ accountIdFrom: accounts.from, accountIdTo: accounts.to, amount: '1.00' });
      expect(transfer.accountFrom.id).toBe(accounts.from);
      expect((await wallet.account(accounts.from))?.client.name).toBe(accounts.clientName);
      expect((await wallet.client(accounts.clientId))?.accounts).toHaveLength(2);
      expect(await wallet.balance(accounts.from)).not.toBeNull();
      const seen = [];
      for await (const transaction of wallet.transactions(accounts.to)) seen.push(transaction.id);
      expect(seen).toContain(transfer.id);
      const iterator = updates[Symbol.asyncIterator]();
      const first = await actUntilEvent(
        () => admin.transfer({ accountIdFrom: accounts.from, accountIdTo: accounts.to, amount: '1.00' }),
        () => iterator.next(),
      );
      expect(first.done).toBe(false);
      await updates.return();
      // Ids only: no text at all on the wire (the gateway found each one in its manifest).
      for (const body of sent as Array<{ query?: string; extensions?: unknown }>) {
        if (documentIdsOnly) {
          expect(body.query).toBeUndefined();
          expect(manifest.operations.map((o) => o.id)).toContain((body.extensions as { persistedQuery: { sha256Hash: string } }).persistedQuery.sha256Hash);
        } else {
          expect(manifest.operations.map((o) => o.id)).toContain(sha256(body.query ?? ''));
        }
      }
    } finally {
      await wallet.close();
    }
  });

  it("refuses a client's own document over HTTP with 403 PERSISTED_QUERY_NOT_IN_LIST, before any subgraph is called", async () => {
    const before = await (await fetch(`${stack.origin}/metrics`)).text();
    const result = await gql(stack.url, untrustedQuery, { id: accounts.from }, { authorization: client });
    expect(result.status).toBe(403);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'PERSISTED_QUERY_NOT_IN_LIST', documentId: sha256(untrustedQuery) });
    expect(result.errors?.[0]?.message).toMatch(/not a trusted document.*GATEWAY_TRUSTED_DOCUMENTS=clients/);
    const after = await (await fetch(`${stack.origin}/metrics`)).text();
    const fetches = (text: string) => metricValue(text, 'gateway_subgraph_fetch_duration_seconds_count{subgraph="wallet",outcome="ok"}');
    expect(fetches(after)).toBe(fetches(before));
    expect(metricValue(after, 'gateway_limit_rejections_total{limit="PERSISTED_QUERY_NOT_IN_LIST"}')).toBe(
      metricValue(before, 'gateway_limit_rejections_total{limit="PERSISTED_QUERY_NOT_IN_LIST"}') + 1,
    );
  });

  it('does not let a client launder a document through APQ registration', async () => {
    const id = sha256(untrustedQuery);
    const registered = await post(stack, { query: untrustedQuery, variables: { id: accounts.from }, extensions: persistedQuery(id) }, client);
    expect(registered.errors?.[0]?.extensions?.['code']).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    // An admin may register it (APQ stays for admins), yet a client naming it by id is still refused.
    const byAdmin = await post(stack, { query: untrustedQuery, variables: { id: accounts.from }, extensions: persistedQuery(id) }, await adminAuthorization());
    expect(byAdmin.errors).toBeUndefined();
    const byId = await post(stack, { variables: { id: accounts.from }, extensions: persistedQuery(id) }, client);
    expect(byId.status).toBe(404);
    expect(byId.errors?.[0]?.extensions).toMatchObject({ code: 'PERSISTED_QUERY_NOT_FOUND', documentId: id });
  });

  it('answers PERSISTED_QUERY_NOT_FOUND to an id that names no document', async () => {
    const result = await post(stack, { variables: {}, extensions: persistedQuery(unknownId) }, client);
    expect(result.errors?.[0]?.extensions?.['code']).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('lets an admin run any document', async () => {
    const result = await gql<{ account: { client: { name: string } } }>(stack.url, untrustedQuery, { id: accounts.from });
    expect(result.errors).toBeUndefined();
    expect(result.data?.account.client.name).toBe(accounts.clientName);
  });

  describe.each<Transport>(['ws', 'sse'])('over %s', (transport) => {
    it.each([
      ['query', untrustedQuery],
      ['subscription', untrustedSubscription],
    ])("refuses a client's own %s with PERSISTED_QUERY_NOT_IN_LIST", async (_kind, query) => {
      const live = subscribe(transport, stack, query, { id: accounts.from }, { authorization: client });
      const refusal = await refusalOf(live);
      await live.close();
      expect(refusal).toContain('PERSISTED_QUERY_NOT_IN_LIST');
    });

    it('runs a trusted document sent by id only, and refuses an unknown id', async () => {
      const account = manifest.operations.find((operation) => operation.name === 'Account');
      if (account === undefined) throw new Error('the manifest has no Account operation');
      const live = subscribe(transport, stack, '', { id: accounts.from }, { authorization: client, extensions: persistedQuery(account.id) });
      const event = await live.next();
      await live.close();
      expect(event.errors).toBeUndefined();
      expect(event.data).toMatchObject({ account: { id: accounts.from, client: { name: accounts.clientName } } });
      const unknown = subscribe(transport, stack, '', {}, { authorization: client, extensions: persistedQuery(unknownId) });
      const refusal = await refusalOf(unknown);
      await unknown.close();
      expect(refusal).toContain('PERSISTED_QUERY_NOT_FOUND');
    });

    it('lets an admin run any document', async () => {
      const live = subscribe(transport, stack, untrustedQuery, { id: accounts.from });
      expect((await live.next()).data).toMatchObject({ account: { client: { name: accounts.clientName } } });
      await live.close();
    });
  });
});

describe('GATEWAY_TRUSTED_DOCUMENTS=all', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gatewayEnv: { GATEWAY_TRUSTED_DOCUMENTS: 'all' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("limits admins too: the SDK's documents run, others are refused on every transport", async () => {
    const admin = testWallet(stack);
    try {
      const accounts = await createFundedAccounts(admin);
      expect((await admin.account(accounts.from))?.client.name).toBe(accounts.clientName);
      const result = await gql(stack.url, untrustedQuery, { id: accounts.from }, { authorization: `Bearer ${await adminToken()}` });
      expect(result.status).toBe(403);
      expect(result.errors?.[0]?.extensions?.['code']).toBe('PERSISTED_QUERY_NOT_IN_LIST');
      expect(result.errors?.[0]?.message).toMatch(/every caller/);
      for (const transport of ['ws', 'sse'] as const) {
        const live = subscribe(transport, stack, untrustedQuery, { id: accounts.from });
        expect(await refusalOf(live)).toContain('PERSISTED_QUERY_NOT_IN_LIST');
        await live.close();
      }
    } finally {
      await admin.close();
    }
  });
});
