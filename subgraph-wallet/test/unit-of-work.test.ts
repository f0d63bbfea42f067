import { randomUUID } from 'node:crypto';
import { UnavailableError } from '@walletgraph/platform/core';
import { parseMysqlUrl } from '@walletgraph/platform/db';
import { createConnection, type Connection } from 'mariadb';
import type { WalletService } from '../src/app.js';
import { Money } from '../src/domain/money.js';
import { applyAccountChanges, lockAccounts } from '../src/store/accounts.js';
import { createDatabase, type Database } from '../src/store/database.js';
import { claimIdempotencyKey, IdempotencyKeyTaken } from '../src/store/idempotency.js';
import { insertTransaction } from '../src/store/transactions.js';
import { createUnitOfWork, type UnitOfWork } from '../src/store/unit-of-work.js';
import { Operation } from '../src/domain/idempotency.js';
import { balanceOf, gql, M, newAccount, silentLogger, sql, startService } from './helpers.js';

const TIMEOUT_MS = 400;
const databaseUrl = process.env['WALLET_DATABASE_URL'] as string;
let service: WalletService;
let db: Database;
let unitOfWork: UnitOfWork;
let statements: string[];

beforeAll(async () => {
  // No retry of conflicts: a deadlock between opposite transfers would surface as an error.
  service = await startService({ TRANSFER_RETRY_COUNT_MAX: '1', DATABASE_POOL_SIZE_MAX: '20' });
  statements = [];
  db = createDatabase({ logger: silentLogger, onSqlQuery: (s) => statements.push(s) }, { databaseUrl, poolSizeMax: 2, acquireTimeoutMs: 2_000 });
  unitOfWork = createUnitOfWork({ db, logger: silentLogger, onOutboxCommit: () => undefined }, { retryCountMax: 1, timeoutMs: TIMEOUT_MS });
});
afterAll(async () => {
  await db.close();
  await service.stop();
});

function transferRow(from: string, to: string) {
  return { id: randomUUID(), accountIdFrom: from, accountIdTo: to, amount: new Money('1'), createdAt: new Date(), versionFrom: null, versionTo: null };
}

describe('unit of work (multi-statement transactions)', () => {
  it('sends begin, claim and lock in one round trip, the writes in a second, then commits', async () => {
    const a = await newAccount(service.graphqlUrl, '10');
    const b = await newAccount(service.graphqlUrl, '0');
    statements.length = 0;
    const queries: number[] = [];
    await unitOfWork.run(async (tx) => {
      tx.queue(
        claimIdempotencyKey({ key: randomUUID(), operation: Operation.transfer, requestHash: 'x'.repeat(64), resultId: randomUUID(), createdAt: new Date() }),
      );
      const [locked] = await tx.run(lockAccounts([a.accountId, b.accountId]));
      queries.push(statements.length);
      const [from, to] = [locked.get(a.accountId), locked.get(b.accountId)];
      if (from === undefined || to === undefined) throw new Error('accounts not locked');
      const changes = [
        { id: from.id, balance: from.balance.minus(1), version: from.version + 1 },
        { id: to.id, balance: to.balance.plus(1), version: to.version + 1 },
      ];
      await tx.run(applyAccountChanges(changes, new Date()), insertTransaction(transferRow(a.accountId, b.accountId)));
    });
    expect(queries).toEqual([4]);
    expect(statements.map((s) => s.split(' ')[0])).toEqual(['SET', 'START', 'INSERT', 'SELECT', 'UPDATE', 'INSERT', 'COMMIT']);
    expect(await balanceOf(a.accountId)).toEqual({ balance: '9.0000', version: 2 });
    expect(await balanceOf(b.accountId)).toEqual({ balance: '1.0000', version: 1 });
  });

  it('a failure in a later round trip rolls back the earlier ones (nothing written)', async () => {
    const a = await newAccount(service.graphqlUrl, '10');
    const b = await newAccount(service.graphqlUrl, '0');
    const duplicate = transferRow(a.accountId, b.accountId);
    await expect(
      unitOfWork.run(async (tx) => {
        const [locked] = await tx.run(lockAccounts([a.accountId]));
        const from = locked.get(a.accountId);
        if (from === undefined) throw new Error('account not locked');
        // The same transaction id twice: the second INSERT fails after the UPDATE and the first INSERT ran.
        await tx.run(
          applyAccountChanges([{ id: from.id, balance: from.balance.minus(1), version: from.version + 1 }], new Date()),
          insertTransaction(duplicate),
          insertTransaction(duplicate),
        );
      }),
    ).rejects.toThrow(/Duplicate entry/);
    expect(await balanceOf(a.accountId)).toEqual({ balance: '10.0000', version: 1 });
    expect(await sql('SELECT id FROM transactions WHERE id = ?', [duplicate.id])).toEqual([]);
  });

  it('a version guard that does not match fails loudly and writes nothing', async () => {
    const a = await newAccount(service.graphqlUrl, '10');
    await expect(
      unitOfWork.run(async (tx) => {
        await tx.run(applyAccountChanges([{ id: a.accountId, balance: new Money('999'), version: 7 }], new Date()));
      }),
    ).rejects.toThrow(/invariant violated/);
    expect(await balanceOf(a.accountId)).toEqual({ balance: '10.0000', version: 1 });
  });

  it('a claimed key is reported as IdempotencyKeyTaken and stops the statements after it', async () => {
    const a = await newAccount(service.graphqlUrl, '10');
    const key = randomUUID();
    const claim = () => claimIdempotencyKey({ key, operation: Operation.deposit, requestHash: 'y'.repeat(64), resultId: randomUUID(), createdAt: new Date() });
    await unitOfWork.run(async (tx) => {
      tx.queue(claim());
      await tx.run(lockAccounts([a.accountId]));
    });
    await expect(
      unitOfWork.run(async (tx) => {
        tx.queue(claim());
        await tx.run(applyAccountChanges([{ id: a.accountId, balance: new Money('999'), version: 2 }], new Date()));
      }),
    ).rejects.toBeInstanceOf(IdempotencyKeyTaken);
    expect(await balanceOf(a.accountId)).toEqual({ balance: '10.0000', version: 1 });
  });

  it('a transaction stuck on a lock past its timeout is rolled back with UnavailableError; the pool keeps working', async () => {
    const a = await newAccount(service.graphqlUrl, '10');
    const target = parseMysqlUrl(databaseUrl);
    const holder: Connection = await createConnection({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database: target.database,
    });
    try {
      await holder.query('START TRANSACTION');
      await holder.query('SELECT id FROM accounts WHERE id = ? FOR UPDATE', [a.accountId]);
      const stuck = unitOfWork.run(async (tx) => {
        await tx.run(lockAccounts([a.accountId]));
      });
      await expect(stuck).rejects.toBeInstanceOf(UnavailableError);
      await expect(stuck).rejects.toThrow(/timed out/);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    // Every pooled connection still works after the stuck one was dropped.
    const results = await Promise.all([1, 2, 3].map(() => unitOfWork.run(async (tx) => (await tx.run(lockAccounts([a.accountId])))[0].size)));
    expect(results).toEqual([1, 1, 1]);
  });

  it('opposite transfers lock in one order: no deadlock even with conflict retries off', async () => {
    const a = await newAccount(service.graphqlUrl, '1000');
    const b = await newAccount(service.graphqlUrl, '1000');
    const roundCount = 60;
    const results = await Promise.all(
      Array.from({ length: roundCount }, (_, i) => {
        const [from, to] = i % 2 === 0 ? [a.accountId, b.accountId] : [b.accountId, a.accountId];
        return gql(service.graphqlUrl, M.transfer, { input: { accountIdFrom: from, accountIdTo: to, amount: '1.5', idempotencyKey: randomUUID() } });
      }),
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect(await balanceOf(a.accountId)).toEqual({ balance: '1000.0000', version: 1 + roundCount });
    expect(await balanceOf(b.accountId)).toEqual({ balance: '1000.0000', version: 1 + roundCount });
  });
});
