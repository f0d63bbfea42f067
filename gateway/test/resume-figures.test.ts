// Figures of issue 17 (not a pass/fail check, so off by default: WALLETGRAPH_FIGURES=1 to run):
// time for a subscriber to catch up on 1,000 missed versions, and the latency of a
// balance(minVersion) read right after a transfer (p50/p99). Printed, for bench/RESULTS.md.
import { randomUUID } from 'node:crypto';
import type { WalletClient } from '@walletgraph/sdk';
import { gql, subscribe } from './client';
import { createFundedAccounts, type Accounts } from './fixtures';
import { startStack, type Stack } from './stack';
import { testWallet } from './wallet-client';

const enabled = process.env['WALLETGRAPH_FIGURES'] === '1';
const MISSED = 1_000;
const READS = 200;
let stack: Stack;
let wallet: WalletClient;

beforeAll(async () => {
  if (!enabled) return;
  stack = await startStack();
  wallet = testWallet(stack);
}, 120_000);
afterAll(async () => {
  await wallet?.close();
  await stack?.stop();
});

async function transfer(accounts: Accounts): Promise<{ balanceVersionFrom: number }> {
  const result = await gql<{ createTransaction: { balanceVersionFrom: number } }>(
    stack.url,
    'mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { balanceVersionFrom } }',
    {
      input: { accountIdFrom: accounts.from, accountIdTo: accounts.to, amount: '0.01', idempotencyKey: randomUUID() },
    },
  );
  if (result.data?.createTransaction === undefined) throw new Error(JSON.stringify(result.errors));
  return result.data.createTransaction;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

(enabled ? it : it.skip)(
  `resume of ${MISSED} missed versions, and minVersion read latency`,
  async () => {
    const accounts = await createFundedAccounts(wallet, '100000.00');
    const start = (await transfer(accounts)).balanceVersionFrom;
    for (let i = 0; i < MISSED; i += 1) await transfer(accounts);
    const last = start + MISSED;
    const read = await gql<{ balance: { version: number } }>(
      stack.url,
      'query($id: ID!, $min: Int) { balance(accountId: $id, minVersion: $min) { version } }',
      { id: accounts.from, min: last },
    );
    expect(read.data?.balance.version).toBe(last);

    const startedMs = performance.now();
    const live = subscribe('ws', stack, 'subscription($id: ID!, $after: Int) { balanceUpdated(accountId: $id, afterVersion: $after) { version } }', {
      id: accounts.from,
      after: start,
    });
    let seen = start;
    while (seen < last) {
      const event = await live.next(30_000);
      const version = (event.data?.['balanceUpdated'] as { version: number }).version;
      expect(version).toBe(seen + 1);
      seen = version;
    }
    const catchUpMs = performance.now() - startedMs;
    await live.close();

    const latenciesMs: number[] = [];
    for (let i = 0; i < READS; i += 1) {
      const { balanceVersionFrom } = await transfer(accounts);
      const readStartedMs = performance.now();
      const answer = await gql<{ balance: { version: number } }>(
        stack.url,
        'query($id: ID!, $min: Int) { balance(accountId: $id, minVersion: $min) { version } }',
        { id: accounts.from, min: balanceVersionFrom },
      );
      latenciesMs.push(performance.now() - readStartedMs);
      expect(answer.data?.balance.version).toBeGreaterThanOrEqual(balanceVersionFrom);
    }
    latenciesMs.sort((a, b) => a - b);
    const figures = {
      missedVersions: MISSED,
      catchUpMs: Math.round(catchUpMs),
      versionsPerS: Math.round((MISSED / catchUpMs) * 1000),
      minVersionReads: READS,
      p50Ms: Math.round(percentile(latenciesMs, 50) * 10) / 10,
      p99Ms: Math.round(percentile(latenciesMs, 99) * 10) / 10,
      maxMs: Math.round((latenciesMs.at(-1) ?? NaN) * 10) / 10,
    };
    process.stdout.write(`issue 17 figures: ${JSON.stringify(figures)}\n`);
  },
  600_000,
);
