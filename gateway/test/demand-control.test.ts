// Demand control (issue 14, item 4): every operation's cost is estimated from the schema's @cost /
// @listSize before any subgraph is called, refused over GATEWAY_COST_MAX on every transport, and
// both the estimate and the cost of what came back are in /metrics.
import type { WalletClient } from '@walletgraph/sdk';
import { adminAuthorization } from './auth';
import { gql, subscribe, type Transport } from './client';
import { actUntilEvent, createFundedAccounts } from './fixtures';
import { metricValue, refusalOf } from './refusals';
import { startStack, type Stack } from './stack';
import { testWallet } from './wallet-client';

let stack: Stack;
let wallet: WalletClient;
beforeAll(async () => {
  stack = await startStack();
  wallet = testWallet(stack);
});
afterAll(async () => {
  await wallet?.close();
  await stack?.stop();
});

const metrics = async (): Promise<string> => (await fetch(`${stack.origin}/metrics`)).text();
const subgraphFetches = (text: string): number =>
  ['wallet', 'balance'].reduce(
    (sum, subgraph) => sum + metricValue(text, `gateway_subgraph_fetch_duration_seconds_count{subgraph="${subgraph}",outcome="ok"}`),
    0,
  );

/** The query: 30 aliases of a page of 100 transactions, each with its sender's page of 100 (5.8 KB; 33 MB and 21 s for three at once before). */
function nestedPagesQuery(accountId: string): string {
  const alias = (i: number) =>
    `a${i}: account(id: "${accountId}") { transactions(first: 100) { edges { node { accountFrom { transactions(first: 100) { edges { node { id amount createdAt } } } } } } } }`;
  return `{ ${Array.from({ length: 30 }, (_, i) => alias(i)).join(' ')} }`;
}
const NESTED_PAGES_COST = 30 * (2 + 100 * (4 + 100 * 2));

describe('demand control', () => {
  it('refuses the 30-alias nested query over HTTP before any subgraph fetch, with the estimate and the maximum', async () => {
    const accounts = await createFundedAccounts(wallet);
    const before = await metrics();
    const started = performance.now();
    const result = await gql(stack.url, nestedPagesQuery(accounts.from));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result.status).toBe(400);
    expect(result.data).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', estimatedCost: NESTED_PAGES_COST, maxCost: 5_000 });
    expect(result.errors?.[0]?.message).toMatch(/estimated cost of 612060; the maximum is 5000/);
    const after = await metrics();
    expect(subgraphFetches(after)).toBe(subgraphFetches(before));
    expect(metricValue(after, 'gateway_limit_rejections_total{limit="COST_LIMIT_EXCEEDED"}')).toBe(
      metricValue(before, 'gateway_limit_rejections_total{limit="COST_LIMIT_EXCEEDED"}') + 1,
    );
  });

  it('takes the list size from a variable: first: $first', async () => {
    const accounts = await createFundedAccounts(wallet);
    const query =
      'query($id: ID!, $first: Int) { a: account(id: $id) { transactions(first: $first) { edges { node { accountTo { transactions(first: $first) { edges { cursor } } } } } } } }';
    // 1 + 1 + first × (1 + 1 + 1 + 1 + first × 1): 70 → 5182, 60 → 3842
    expect((await gql(stack.url, query, { id: accounts.from, first: 70 })).errors?.[0]?.extensions).toMatchObject({
      code: 'COST_LIMIT_EXCEEDED',
      estimatedCost: 5182,
    });
    const allowed = await gql(stack.url, query, { id: accounts.from, first: 60 });
    expect(allowed.errors).toBeUndefined();
    expect(allowed.status).toBe(200);
  });

  describe.each<Transport>(['ws', 'sse'])('over %s', (transport) => {
    it('refuses a query over the maximum', async () => {
      const accounts = await createFundedAccounts(wallet);
      const before = subgraphFetches(await metrics());
      const live = subscribe(transport, stack, nestedPagesQuery(accounts.from));
      const refusal = await refusalOf(live);
      await live.close();
      expect(refusal).toContain('COST_LIMIT_EXCEEDED');
      expect(refusal).toContain(String(NESTED_PAGES_COST));
      expect(subgraphFetches(await metrics())).toBe(before);
    });

    it('refuses a subscription whose events cost more than the maximum, before anything opens upstream', async () => {
      const accounts = await createFundedAccounts(wallet);
      const before = await metrics();
      // Per event: balance 1 + account 1 + connection 1 + 100 × (edge 1 + node 1 + accountFrom 1 + connection 1 + 100 × edge 1)
      const query =
        'subscription($id: ID!) { balanceUpdated(accountId: $id) { account { transactions(first: 100) { edges { node { accountFrom { transactions(first: 100) { edges { cursor } } } } } } } } }';
      const live = subscribe(transport, stack, query, { id: accounts.to });
      const refusal = await refusalOf(live);
      await live.close();
      expect(refusal).toContain('COST_LIMIT_EXCEEDED');
      expect(refusal).toContain(String(3 + 100 * (4 + 100)));
      const after = await metrics();
      expect(metricValue(after, `gateway_subscriptions_active{transport="${transport}"}`)).toBe(
        metricValue(before, `gateway_subscriptions_active{transport="${transport}"}`),
      );
      expect(metricValue(after, 'gateway_upstream_reconnects_total{subgraph="balance"}')).toBe(
        metricValue(before, 'gateway_upstream_reconnects_total{subgraph="balance"}'),
      );
    });

    it("counts a subscription's estimated and actual cost per event", async () => {
      const accounts = await createFundedAccounts(wallet);
      const before = await metrics();
      const live = subscribe(transport, stack, 'subscription($id: ID!) { balanceUpdated(accountId: $id) { amount account { client { name } } } }', {
        id: accounts.to,
      });
      try {
        await actUntilEvent(() => wallet.transfer({ accountIdFrom: accounts.from, accountIdTo: accounts.to, amount: '1.00' }), live.next);
      } finally {
        await live.close();
      }
      const after = await metrics();
      const delta = (sample: string) => metricValue(after, sample) - metricValue(before, sample);
      const events = delta('gateway_operation_cost_actual_count{operation_type="subscription"}');
      expect(events).toBeGreaterThanOrEqual(1);
      // balance 1 + account 1 + client 1, per event, estimated and actual alike.
      expect(delta('gateway_operation_cost_estimated_sum{operation_type="subscription"}')).toBe(3 * events);
      expect(delta('gateway_operation_cost_estimated_count{operation_type="subscription"}')).toBe(events);
      expect(delta('gateway_operation_cost_actual_sum{operation_type="subscription"}')).toBe(3 * events);
    });
  });

  it("lets the SDK's operations through and records their estimated and actual cost", async () => {
    const accounts = await createFundedAccounts(wallet);
    for (let i = 0; i < 3; i += 1) await wallet.transfer({ accountIdFrom: accounts.from, accountIdTo: accounts.to, amount: '1.00' });
    const before = await metrics();
    const page = [];
    for await (const transaction of wallet.transactions(accounts.to, { pageSize: 100 })) page.push(transaction);
    expect(page).toHaveLength(3);
    const after = await metrics();
    const delta = (sample: string) => metricValue(after, sample) - metricValue(before, sample);
    expect(delta('gateway_operation_cost_estimated_count{operation_type="query"}')).toBe(1);
    // AccountTransactions(first: 100): account + connection + 100 × (edge + node + accountFrom + accountTo) + pageInfo
    expect(delta('gateway_operation_cost_estimated_sum{operation_type="query"}')).toBe(403);
    // What came back: 3 transactions.
    expect(delta('gateway_operation_cost_actual_sum{operation_type="query"}')).toBe(1 + 1 + 3 * 4 + 1);
    expect(after).toMatch(/gateway_operation_cost_estimated_bucket\{le="500",operation_type="query"\} \d+/);
    expect(delta('gateway_operation_cost_estimated_sum{operation_type="mutation"}')).toBe(0);
    await wallet.transfer({ accountIdFrom: accounts.from, accountIdTo: accounts.to, amount: '1.00' });
    // CreateTransaction: mutation 10 + input 1 + @cost(weight: 10) + accountFrom 1 + accountTo 1
    expect(
      metricValue(await metrics(), 'gateway_operation_cost_estimated_sum{operation_type="mutation"}') -
        metricValue(after, 'gateway_operation_cost_estimated_sum{operation_type="mutation"}'),
    ).toBe(23);
  });

  it('answers an admin the same way: the budget is per operation, not per role', async () => {
    const result = await gql(stack.url, nestedPagesQuery('7dfe0fa9-d168-4329-a9ba-ca1b7052fac3'), {}, { authorization: await adminAuthorization() });
    expect(result.errors?.[0]?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
  });
});
