import { randomUUID } from 'node:crypto';
import type { WalletService } from '../src/app.js';
import { balanceOf, errorCode, gql, M, newAccount, sql, startService } from './helpers.js';

let service: WalletService;
let url: string;

beforeAll(async () => {
  // A pool large enough that many transfers really run at the same time.
  service = await startService({ DATABASE_POOL_SIZE_MAX: '20' });
  url = service.graphqlUrl;
});
afterAll(async () => {
  await service.stop();
});

type TransferResult = { createTransaction: { id: string } };

describe('concurrent transfers', () => {
  it('opposite transfers A→B and B→A at once: no deadlock error surfaces and money is conserved', async () => {
    const a = await newAccount(url, '1000');
    const b = await newAccount(url, '1000');
    const roundCount = 40;
    const calls = Array.from({ length: roundCount }, (_, i) => {
      const [from, to] = i % 2 === 0 ? [a.accountId, b.accountId] : [b.accountId, a.accountId];
      return gql<TransferResult>(url, M.transfer, {
        input: { accountIdFrom: from, accountIdTo: to, amount: `${(i % 7) + 1}.25`, idempotencyKey: randomUUID() },
      });
    });
    const results = await Promise.all(calls);
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const [balanceA, balanceB] = [await balanceOf(a.accountId), await balanceOf(b.accountId)];
    expect(Number(balanceA.balance) + Number(balanceB.balance)).toBe(2000);
    // Every transfer bumped both versions exactly once (1 for the deposit).
    expect(balanceA.version).toBe(1 + roundCount);
    expect(balanceB.version).toBe(1 + roundCount);
    const [count] = await sql<Array<{ n: bigint }>>('SELECT COUNT(*) AS n FROM transactions WHERE account_id_from IN (?)', [[a.accountId, b.accountId]]);
    expect(Number(count?.n)).toBe(roundCount);
  });

  it('many senders draining one account never overdraw it', async () => {
    const source = await newAccount(url, '10');
    const sink = await newAccount(url);
    const results = await Promise.all(
      Array.from({ length: 25 }, () =>
        gql(url, M.transfer, { input: { accountIdFrom: source.accountId, accountIdTo: sink.accountId, amount: '1', idempotencyKey: randomUUID() } }),
      ),
    );
    expect(results.filter((r) => r.errors === undefined)).toHaveLength(10);
    expect(results.filter((r) => errorCode(r) === 'INSUFFICIENT_FUNDS')).toHaveLength(15);
    expect((await balanceOf(source.accountId)).balance).toBe('0.0000');
    expect((await balanceOf(sink.accountId)).balance).toBe('10.0000');
  });

  it('identical retries with one key at the same moment: exactly one transfer, same result id for all', async () => {
    const a = await newAccount(url, '100');
    const b = await newAccount(url);
    const input = { accountIdFrom: a.accountId, accountIdTo: b.accountId, amount: '3', idempotencyKey: randomUUID() };
    const results = await Promise.all(Array.from({ length: 12 }, () => gql<TransferResult>(url, M.transfer, { input })));
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const ids = new Set(results.map((r) => r.data?.createTransaction.id));
    expect(ids.size).toBe(1);
    expect(await balanceOf(a.accountId)).toEqual({ balance: '97.0000', version: 2 });
    const rows = await sql('SELECT id FROM transactions WHERE account_id_from = ?', [a.accountId]);
    expect(rows).toEqual([{ id: [...ids][0] }]);
  });

  it('identical deposit retries at the same moment: deposited once', async () => {
    const a = await newAccount(url);
    const input = { accountId: a.accountId, amount: '2.5', idempotencyKey: randomUUID() };
    const results = await Promise.all(Array.from({ length: 10 }, () => gql(url, M.deposit, { input })));
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect(await balanceOf(a.accountId)).toEqual({ balance: '2.5000', version: 1 });
  });

  it('one key raced with two different inputs: one wins, the other gets IDEMPOTENCY_KEY_REUSED', async () => {
    const a = await newAccount(url, '100');
    const b = await newAccount(url);
    const idempotencyKey = randomUUID();
    const results = await Promise.all(
      ['1', '2'].map((amount) => gql(url, M.transfer, { input: { accountIdFrom: a.accountId, accountIdTo: b.accountId, amount, idempotencyKey } })),
    );
    expect(results.map(errorCode).sort()).toEqual(['IDEMPOTENCY_KEY_REUSED', undefined]);
    expect(Number((await balanceOf(b.accountId)).balance)).toBeGreaterThan(0);
    expect(await sql('SELECT id FROM transactions WHERE account_id_to = ?', [b.accountId])).toHaveLength(1);
  });
});

describe('decimal precision', () => {
  it('a thousand deposits of 0.0001 sum to exactly 0.1000', async () => {
    const a = await newAccount(url);
    for (let batch = 0; batch < 10; batch += 1) {
      const results = await Promise.all(
        Array.from({ length: 100 }, () => gql(url, M.deposit, { input: { accountId: a.accountId, amount: '0.0001', idempotencyKey: randomUUID() } })),
      );
      expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    }
    expect(await balanceOf(a.accountId)).toEqual({ balance: '0.1000', version: 1000 });
  });

  it('values near the DECIMAL(19,4) ceiling stay exact end to end', async () => {
    const a = await newAccount(url);
    const b = await newAccount(url);
    await sql('UPDATE accounts SET balance = ? WHERE id = ?', ['999999999999999.9999', a.accountId]);
    const result = await gql<{ createTransaction: { amount: string } }>(url, M.transfer, {
      input: { accountIdFrom: a.accountId, accountIdTo: b.accountId, amount: '999999999.9999', idempotencyKey: randomUUID() },
    });
    expect(result.data?.createTransaction.amount).toBe('999999999.9999');
    expect((await balanceOf(a.accountId)).balance).toBe('999999000000000.0000');
    expect((await balanceOf(b.accountId)).balance).toBe('999999999.9999');
    const [event] = await sql<Array<{ payload: string }>>(
      "SELECT payload FROM outbox_events WHERE message_key = ? AND topic = 'balances' ORDER BY id DESC LIMIT 1",
      [a.accountId],
    );
    expect(event?.payload).toContain('"balance_account_id_from":999999000000000,"balance_account_id_to":999999999.9999');
  });
});
