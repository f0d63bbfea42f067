import { randomUUID } from 'node:crypto';
import { AppError } from '@walletgraph/platform/core';
import type { WalletService } from '../src/app.js';
import { createDatabase, type Database } from '../src/store/database.js';
import { createUnitOfWork } from '../src/store/unit-of-work.js';
import { createWalletUseCases, type WalletUseCases } from '../src/use-cases/wallet.js';
import { balanceOf, newAccount, silentLogger, sql, startEventCollector, startService, waitFor } from './helpers.js';

// Group commit (use-cases/transfer-batcher.ts) against real MariaDB and Kafka. The use cases run in
// this process (transfers submitted in one tick land in one batch, whatever the machine's load); the
// service beside them owns the relay, which publishes their outbox rows. The SQL log counts COMMITs.
let service: WalletService;
let url: string;
let db: Database;
let useCases: WalletUseCases;
const statements: string[] = [];
const commitCount = (): number => statements.filter((s) => s === 'COMMIT').length;

beforeAll(async () => {
  service = await startService({ DATABASE_POOL_SIZE_MAX: '10' });
  url = service.graphqlUrl;
  db = createDatabase(
    { logger: silentLogger, onSqlQuery: (s) => statements.push(s) },
    { databaseUrl: process.env['WALLET_DATABASE_URL'] as string, poolSizeMax: 10, acquireTimeoutMs: 5_000 },
  );
  // No retry of conflicts: a deadlock between batches would surface as an error.
  const unitOfWork = createUnitOfWork({ db, logger: silentLogger, onOutboxCommit: () => undefined }, { retryCountMax: 1, timeoutMs: 10_000 });
  useCases = createWalletUseCases(
    { db, unitOfWork, logger: silentLogger },
    { topics: { transactions: 'transactions', balances: 'balances' }, transferBatch: { sizeMax: 64, windowMs: 20, inFlightMax: 4 } },
  );
});
afterAll(async () => {
  await db.close();
  await service.stop();
});

interface Outcome {
  readonly data?: { createTransaction: { id: string } };
  readonly errors?: Array<{ message: string }>;
  readonly code?: string;
}
const transfer = (from: string, to: string, amount: string, idempotencyKey: string = randomUUID()): Promise<Outcome> =>
  useCases.transfer({ accountIdFrom: from, accountIdTo: to, amount, idempotencyKey }).then(
    (record) => ({ data: { createTransaction: { id: record.id } } }),
    (error: unknown) => ({ errors: [{ message: String(error) }], code: error instanceof AppError ? error.code : `UNEXPECTED ${String(error)}` }),
  );
const errorCode = (outcome: Outcome): string | undefined => outcome.code;

describe('group commit of transfers', () => {
  it('one transfer refused for insufficient funds in a batch: the others commit in the same transaction, the refused key stays free', async () => {
    const rich = await newAccount(url, '100');
    const poor = await newAccount(url, '1');
    const sink = await newAccount(url);
    const refusedKey = randomUUID();
    statements.length = 0;
    const results = await Promise.all([
      transfer(rich.accountId, sink.accountId, '10'),
      transfer(poor.accountId, sink.accountId, '5', refusedKey),
      transfer(rich.accountId, sink.accountId, '20'),
      transfer(rich.accountId, poor.accountId, '30'),
    ]);
    expect(results.map((r) => errorCode(r) ?? 'ok')).toEqual(['ok', 'INSUFFICIENT_FUNDS', 'ok', 'ok']);
    // One transaction for all four (the refused one planned against the locked balance of 1).
    expect(commitCount()).toBe(1);
    expect(await balanceOf(rich.accountId)).toEqual({ balance: '40.0000', version: 4 });
    expect(await balanceOf(poor.accountId)).toEqual({ balance: '31.0000', version: 2 });
    expect(await balanceOf(sink.accountId)).toEqual({ balance: '30.0000', version: 2 });
    const [refusedRecord] = await sql<Array<{ n: bigint }>>(
      'SELECT COUNT(*) AS n FROM idempotency_keys WHERE result_id IN (SELECT id FROM transactions WHERE account_id_from = ?)',
      [poor.accountId],
    );
    expect(Number(refusedRecord?.n)).toBe(0);
    // The refused key was given back: the same key works once the money is there.
    const retried = await transfer(poor.accountId, sink.accountId, '5', refusedKey);
    expect(retried.errors).toBeUndefined();
    expect((await balanceOf(poor.accountId)).balance).toBe('26.0000');
  });

  it('an unknown account fails only its own transfer', async () => {
    const a = await newAccount(url, '10');
    const b = await newAccount(url);
    statements.length = 0;
    const [ok, unknown] = await Promise.all([transfer(a.accountId, b.accountId, '1'), transfer(a.accountId, randomUUID(), '1')]);
    expect(ok.errors).toBeUndefined();
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    expect(commitCount()).toBe(1);
    expect(await balanceOf(a.accountId)).toEqual({ balance: '9.0000', version: 2 });
  });

  it('an idempotency key twice inside one moment: one transfer, the same id for both; another input under it is refused', async () => {
    const a = await newAccount(url, '100');
    const b = await newAccount(url);
    const key = randomUUID();
    const [first, second, other] = await Promise.all([
      transfer(a.accountId, b.accountId, '7', key),
      transfer(a.accountId, b.accountId, '7', key),
      transfer(a.accountId, b.accountId, '8', key),
    ]);
    expect(first.errors).toBeUndefined();
    expect(second.data?.createTransaction.id).toBe(first.data?.createTransaction.id);
    expect(errorCode(other)).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await balanceOf(a.accountId)).toEqual({ balance: '93.0000', version: 2 });
  });

  it('keys replayed across batches: a later batch mixing replays and new transfers replays the first results and applies only the new', async () => {
    const a = await newAccount(url, '100');
    const b = await newAccount(url);
    const keys = [randomUUID(), randomUUID()];
    const firsts = await Promise.all(keys.map((key) => transfer(a.accountId, b.accountId, '1', key)));
    statements.length = 0;
    const again = await Promise.all([...keys.map((key) => transfer(a.accountId, b.accountId, '1', key)), transfer(a.accountId, b.accountId, '2')]);
    expect(again.map((r) => r.errors)).toEqual([undefined, undefined, undefined]);
    expect(again.slice(0, 2).map((r) => r.data?.createTransaction.id)).toEqual(firsts.map((r) => r.data?.createTransaction.id));
    expect(commitCount()).toBe(1);
    expect(await balanceOf(a.accountId)).toEqual({ balance: '96.0000', version: 4 });
  });

  it('crossing transfers A→B and B→A in one batch and across concurrent batches: no deadlock, every version bumped once per transfer', async () => {
    const a = await newAccount(url, '1000');
    const b = await newAccount(url, '1000');
    const c = await newAccount(url, '1000');
    const accounts = [a.accountId, b.accountId, c.accountId];
    // Three waves, each sent while the previous is still committing: batches overlap in time.
    const waves = await Promise.all(
      [0, 1, 2].map(async (wave) => {
        await new Promise((resolve) => setTimeout(resolve, wave * 20));
        return Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            transfer(accounts[(i + wave) % 3] as string, accounts[(i + wave + 1 + (i % 2)) % 3] as string, `${(i % 5) + 1}.0001`),
          ),
        );
      }),
    );
    expect(waves.flat().flatMap((r) => r.errors ?? [])).toEqual([]);
    const balances = await Promise.all(accounts.map((id) => balanceOf(id)));
    expect(balances.reduce((sum, x) => sum + Number(x.balance) * 10_000, 0)).toBe(3000 * 10_000);
    const [count] = await sql<Array<{ n: bigint }>>('SELECT COUNT(*) AS n FROM transactions WHERE account_id_from IN (?)', [accounts]);
    expect(Number(count?.n)).toBe(90);
    // Each account: 1 deposit + one bump per transfer it took part in (60 of 90 involve each account).
    expect(balances.map((x) => x.version)).toEqual([61, 61, 61]);
  });

  it('nothing lost: every committed transfer reaches Kafka once, each account with contiguous versions ending at the database state', async () => {
    const collector = await startEventCollector();
    try {
      const a = await newAccount(url, '50');
      const b = await newAccount(url, '50');
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? transfer(a.accountId, b.accountId, '3') : transfer(b.accountId, a.accountId, '2'))),
      );
      const committed = results.filter((r) => r.errors === undefined).length;
      expect(committed).toBe(40);
      const updates = await waitFor(
        () => {
          const found = collector.events.filter((e) => e.topic === 'balances' && (e.value.includes(a.accountId) || e.value.includes(b.accountId)));
          return found.length >= 40 + 4 ? found : undefined; // two openings and two deposits too
        },
        20_000,
        'the batch events',
      );
      const versionsOf = (id: string): Array<[number, string]> =>
        updates
          .map((e) => (JSON.parse(e.value) as { Payload: Record<string, string | number> }).Payload)
          .flatMap((p): Array<[number, string]> =>
            p['account_id_from'] === p['account_id_to']
              ? p['account_id_from'] === id
                ? [[Number(p['version_account_id_from']), String(p['balance_account_id_from'])]]
                : []
              : p['account_id_from'] === id
                ? [[Number(p['version_account_id_from']), String(p['balance_account_id_from'])]]
                : p['account_id_to'] === id
                  ? [[Number(p['version_account_id_to']), String(p['balance_account_id_to'])]]
                  : [],
          )
          .sort((x, y) => x[0] - y[0]);
      for (const id of [a.accountId, b.accountId]) {
        const versions = versionsOf(id);
        const state = await balanceOf(id);
        expect(versions.map(([v]) => v)).toEqual(Array.from({ length: state.version + 1 }, (_, v) => v));
        expect(Number(versions[versions.length - 1]?.[1])).toBe(Number(state.balance));
      }
      const [{ n: unpublished } = { n: 0n }] = await sql<Array<{ n: bigint }>>('SELECT COUNT(*) AS n FROM outbox_events WHERE published_at IS NULL');
      expect(Number(unpublished)).toBe(0);
    } finally {
      await collector.stop();
    }
  });
});
