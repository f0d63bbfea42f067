import { compareDecimal, subtractDecimal, type Balance, type WalletClient } from '@walletgraph/sdk';
import type { Gateway } from '../../../gateway/src/app';
import { actUntil, eventually, fundedAccounts, startGatewayOnPort, startStack, subgraphHeaders, testClient, withTimeout, type Stack } from '../support';

let stack: Stack;
let client: WalletClient;
let restarted: Gateway | undefined;
beforeAll(async () => {
  stack = await startStack();
  client = testClient(stack);
});
afterAll(async () => {
  await client?.close();
  await restarted?.stop();
  await stack?.stop();
});

describe('onBalanceUpdated', () => {
  it('yields the new balance after a transfer, in increasing versions', async () => {
    const { from, to } = await fundedAccounts(client, '100.00');
    const stream = client.onBalanceUpdated(to);
    try {
      const first = await actUntil(() => client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '1.00' }), stream.next());
      expect(first.done).toBe(false);
      const firstBalance = first.value as Balance;
      expect(firstBalance.accountId).toBe(to);

      await client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '2.50' });
      const second = (await withTimeout(stream.next(), 10_000, 'second update')).value as Balance;
      expect(second.version).toBeGreaterThan(firstBalance.version);
      expect(compareDecimal(subtractDecimal(second.amount, firstBalance.amount), '2.5')).toBe(0);
    } finally {
      await stream.return();
    }
  });

  it('ends when the loop breaks, and on close()', async () => {
    const { from, to } = await fundedAccounts(client, '100.00');
    const own = testClient(stack);
    const stream = own.onBalanceUpdated(to);
    let seen = 0;
    const reading = (async () => {
      for await (const _balance of stream) seen += 1;
      return 'ended';
    })();
    await eventually(async () => {
      await client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '1.00' });
      return seen;
    }, (count) => count > 0, 20, 1_000);
    await own.close();
    await expect(withTimeout(reading, 5_000, 'stream end')).resolves.toBe('ended');
  });

  it('resumes after the gateway restarts: catches up on what it missed, then yields new updates', async () => {
    const { from, to } = await fundedAccounts(client, '100.00');
    const stream = client.onBalanceUpdated(to);
    try {
      const before = (await actUntil(() => client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '1.00' }), stream.next())).value as Balance;
      const pending = stream.next();

      const port = Number(new URL(stack.url).port);
      await stack.gateway.stop();
      // While the gateway is away, move money straight through the wallet subgraph, and wait for
      // the read model: only the SDK's read on reconnect can deliver this version.
      const direct = testClient({ url: stack.wallet.graphqlUrl, wsUrl: stack.wsUrl }, { headers: subgraphHeaders });
      await direct.transfer({ accountIdFrom: from, accountIdTo: to, amount: '5.00' });
      await direct.close();
      const readModel = testClient({ url: stack.balance.graphqlUrl, wsUrl: stack.wsUrl }, { headers: subgraphHeaders });
      const missed = await eventually(() => readModel.balance(to), (balance) => balance !== null && balance.version > before.version);
      await readModel.close();

      restarted = await startGatewayOnPort(stack, port);
      const caughtUp = (await withTimeout(pending, 20_000, 'catch-up after reconnect')).value as Balance;
      expect(caughtUp.version).toBe(missed?.version);
      expect(compareDecimal(subtractDecimal(caughtUp.amount, before.amount), '5')).toBe(0);

      const next = (await actUntil(() => client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '2.00' }), stream.next())).value as Balance;
      expect(next.version).toBeGreaterThan(caughtUp.version);
    } finally {
      await stream.return();
    }
  });
});
