import { addDecimal, compareDecimal, isRefusal, subtractDecimal, type Balance, type WalletClient } from '@walletgraph/sdk';
import { adminIdentity, userToken } from '../../../gateway/test/auth';
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
      // Under load actUntil may have sent more than one 1.00 transfer: their events can come
      // first. Each step is +1.00 (a late one) or +2.50 (ours, the last), in increasing versions.
      let previous = firstBalance;
      let sawTransfer = false;
      for (let step = 0; step < 20 && !sawTransfer; step += 1) {
        const next = (await withTimeout(stream.next(), 10_000, 'second update')).value as Balance;
        expect(next.version).toBeGreaterThan(previous.version);
        const delta = subtractDecimal(next.amount, previous.amount);
        previous = next;
        if (compareDecimal(delta, '1') === 0) continue;
        expect(compareDecimal(delta, '2.5')).toBe(0);
        sawTransfer = true;
      }
      expect(sawTransfer).toBe(true);
    } finally {
      await stream.return();
    }
  });

  it('outlives a short-lived token: when the gateway closes the connection at exp, it reconnects with a fresh one', async () => {
    const { from, to } = await fundedAccounts(client, '100.00');
    let tokenCount = 0;
    // Only the stream uses this client: its token is asked for at every (re)connect and for the
    // balance read that follows a reconnect.
    const watcher = testClient(stack, {
      token: async () => {
        tokenCount += 1;
        return userToken(adminIdentity, 3);
      },
    });
    const stream = watcher.onBalanceUpdated(to);
    try {
      const first = (await actUntil(() => client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '1.00' }), stream.next())).value as Balance;
      const tokensBefore = tokenCount;
      await eventually(
        async () => tokenCount,
        (count) => count > tokensBefore,
        100,
        100,
      ); // past the 3 s exp: a fresh token
      await client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '2.00' });
      let latest = first;
      for (let read = 0; read < 5 && compareDecimal(latest.amount, addDecimal(first.amount, '2')) < 0; read += 1) {
        latest = (await withTimeout(stream.next(), 15_000, 'update after the token expired')).value as Balance;
        expect(latest.version).toBeGreaterThan(first.version);
      }
      expect(compareDecimal(latest.amount, addDecimal(first.amount, '2'))).toBeGreaterThanOrEqual(0);
    } finally {
      await watcher.close();
    }
  });

  it('with a fixed token, ends with UNAUTHENTICATED once the token has expired', async () => {
    const { to } = await fundedAccounts(client, '1.00');
    const watcher = testClient(stack, { token: await userToken(adminIdentity, 3) });
    const stream = watcher.onBalanceUpdated(to);
    try {
      const error: unknown = await withTimeout(stream.next(), 15_000, 'stream end').catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'WalletError', code: 'UNAUTHENTICATED', retriable: false });
      expect(isRefusal(error)).toBe(true);
    } finally {
      await watcher.close();
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
    await eventually(
      async () => {
        await client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '1.00' });
        return seen;
      },
      (count) => count > 0,
      20,
      1_000,
    );
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
      const missed = await eventually(
        () => readModel.balance(to),
        (balance) => balance !== null && balance.version > before.version,
      );
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
