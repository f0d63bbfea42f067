// Issue 17 through the SDK: transfer() returns versions, balance({ minVersion }) reads your own
// write, onBalanceUpdated yields every version exactly once (also when it starts mid-stream and
// when its reader is slower than the updates).
import type { Balance, WalletClient } from '@walletgraph/sdk';
import { fundedAccounts, startStack, testClient, withTimeout, type Stack } from '../support';

let stack: Stack;
let client: WalletClient;
beforeAll(async () => {
  stack = await startStack();
  client = testClient(stack, { streamBufferCountMax: 5 });
});
afterAll(async () => {
  await client?.close();
  await stack?.stop();
});

it("transfer() returns each side's version and balance(id, { minVersion }) answers with it at once", async () => {
  const { from, to } = await fundedAccounts(client, '100.00');
  for (let i = 0; i < 5; i += 1) {
    const sent = await client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '1.00' });
    expect(sent.balanceVersionFrom).toEqual(expect.any(Number));
    const mine = await client.balance(from, { minVersion: sent.balanceVersionFrom ?? undefined });
    expect(mine?.version).toBe(sent.balanceVersionFrom);
    const theirs = await client.balance(to, { minVersion: sent.balanceVersionTo ?? undefined });
    expect(theirs?.version).toBe(sent.balanceVersionTo);
  }
});

it('onBalanceUpdated yields every version exactly once, in order, for a reader slower than the updates (buffer of 5)', async () => {
  const { from, to } = await fundedAccounts(client, '100.00');
  const stream = client.onBalanceUpdated(from, { emitCurrent: true });
  const first = (await withTimeout(stream.next(), 20_000, 'the current balance')).value as Balance;
  let last = first.version;
  for (let i = 0; i < 40; i += 1) last = (await client.transfer({ accountIdFrom: from, accountIdTo: to, amount: '0.50' })).balanceVersionFrom ?? last;
  const seen: number[] = [first.version];
  const reading = (async () => {
    for await (const balance of stream) {
      seen.push(balance.version);
      if (balance.version >= last) break;
      // A slow reader: past 5 buffered versions the stream pauses instead of dropping any.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  await withTimeout(reading, 60_000, `versions up to ${last}`);
  expect(seen).toEqual(Array.from({ length: last - first.version + 1 }, (_, i) => first.version + i));
  expect(stream.droppedCount).toBe(0);
});
