import { randomUUID } from 'node:crypto';
import { assert, NotFoundError, type Logger } from '@walletgraph/platform/core';
import { traceCarrierText } from '@walletgraph/platform/tracing';
import { Operation, requestHash } from '../domain/idempotency.js';
import { Money, moneyText, parseAmount } from '../domain/money.js';
import { assertDistinctAccounts, planDeposit } from '../domain/transfer.js';
import { emailKeyOf, parseEmail, parseIdempotencyKey, parseName, parseUuid } from '../domain/validation.js';
import { singleAccountBalanceEvent, type EventTopics } from '../outbox/events.js';
import { appendOutbox } from '../outbox/writer.js';
import { applyAccountChanges, findAccountsByIds, insertAccount, lockAccounts } from '../store/accounts.js';
import { clientExists, insertClient } from '../store/clients.js';
import type { Database } from '../store/database.js';
import type { AccountRecord, ClientRecord, TransactionRecord } from '../store/records.js';
import { findDepositById, findTransactionsByIds, insertDeposit, insertTransaction } from '../store/transactions.js';
import type { Tx, UnitOfWork } from '../store/unit-of-work.js';
import { createIdempotentRunner } from './idempotent.js';
import { planLockedTransfer } from './transfer-plan.js';
import { createTransferBatcher, type TransferBatchConfig, type TransferRequest } from './transfer-batcher.js';

export interface WalletUseCasesDeps {
  readonly db: Database;
  readonly unitOfWork: UnitOfWork;
  readonly logger: Logger;
}

export interface WalletUseCasesConfig {
  readonly topics: EventTopics;
  /** Group commit of concurrent transfers; absent: every transfer in its own transaction. */
  readonly transferBatch?: TransferBatchConfig;
}

/** Where a request came from; carried into event headers. */
export interface RequestMeta {
  readonly traceparent?: string | undefined;
}

export interface CreateClientInput {
  readonly name: unknown;
  readonly email: unknown;
}
export interface CreateAccountInput {
  readonly clientId: unknown;
}
export interface DepositInput {
  readonly accountId: unknown;
  readonly amount: unknown;
  readonly idempotencyKey: unknown;
}
export interface TransferInput {
  readonly accountIdFrom: unknown;
  readonly accountIdTo: unknown;
  readonly amount: unknown;
  readonly idempotencyKey: unknown;
}

export interface WalletUseCases {
  createClient(input: CreateClientInput): Promise<ClientRecord>;
  createAccount(input: CreateAccountInput, meta?: RequestMeta): Promise<AccountRecord>;
  deposit(input: DepositInput, meta?: RequestMeta): Promise<AccountRecord>;
  transfer(input: TransferInput, meta?: RequestMeta): Promise<TransactionRecord>;
}

/** Reads back what an idempotency key recorded, or what was just written; a missing row is a bug. */
function recordLoaders(db: Database) {
  return {
    loadDeposit: async (id: string): Promise<{ id: string; accountId: string }> => {
      const deposit = await findDepositById(db, id);
      assert(deposit !== undefined, `deposit ${id} recorded for an idempotency key is missing`);
      return deposit;
    },
    loadAccount: async (id: string): Promise<AccountRecord> => {
      const [account] = await findAccountsByIds(db, [id]);
      assert(account !== undefined, `account ${id} vanished`);
      return account;
    },
    loadTransaction: async (transactionId: string): Promise<TransactionRecord> => {
      const [transaction] = await findTransactionsByIds(db, [transactionId]);
      assert(transaction !== undefined, `transaction ${transactionId} recorded for an idempotency key is missing`);
      return transaction;
    },
  };
}

/** A new account of an existing client, with its opening balance event. */
function openAccountWork(topics: EventTopics, account: { id: string; clientId: string; now: Date; traceparent: string | undefined }) {
  const { id, clientId, now } = account;
  return async (tx: Tx): Promise<void> => {
    const [exists] = await tx.run(clientExists(clientId));
    if (!exists) throw new NotFoundError(`client ${clientId} not found`);
    // Opening balance 0 at version 0, so the read model knows the account before any deposit.
    const opened = singleAccountBalanceEvent(topics, { id, balance: new Money(0), version: 0 }, { occurredAt: now, traceparent: account.traceparent });
    await tx.run(insertAccount({ id, clientId, createdAt: now }), appendOutbox([opened]));
  };
}

/** A deposit's writes on the locked account: its balance, the deposit row and the balance event. */
function depositWork(topics: EventTopics, accountId: string, amount: Money, traceparent: string | undefined) {
  return (depositId: string, now: Date) =>
    async (tx: Tx): Promise<{ id: string; accountId: string }> => {
      const [locked] = await tx.run(lockAccounts([accountId]));
      const account = locked.get(accountId);
      if (account === undefined) throw new NotFoundError(`account ${accountId} not found`);
      const change = planDeposit(account, amount);
      const event = singleAccountBalanceEvent(topics, change, { occurredAt: now, traceparent });
      await tx.run(applyAccountChanges([change], now), insertDeposit({ id: depositId, accountId, amount, createdAt: now }), appendOutbox([event]));
      return { id: depositId, accountId };
    };
}

/** A transfer's writes on both locked accounts (planned by planLockedTransfer, as in a group commit). */
function transferWork(topics: EventTopics, request: TransferRequest) {
  const { from, to, amount, traceparent } = request;
  return (transactionId: string, now: Date) =>
    async (tx: Tx): Promise<TransactionRecord> => {
      const [locked] = await tx.run(lockAccounts([from, to]));
      const plan = planLockedTransfer(locked, { transactionId, from, to, amount }, { now, topics, trace: { traceparent } });
      await tx.run(applyAccountChanges([plan.from, plan.to], now), insertTransaction(plan.record), appendOutbox(plan.events));
      return plan.record;
    };
}

export function createWalletUseCases(deps: WalletUseCasesDeps, config: WalletUseCasesConfig): WalletUseCases {
  const { db, unitOfWork } = deps;
  const { idempotent, replay } = createIdempotentRunner(deps);

  const { loadDeposit, loadAccount, loadTransaction } = recordLoaders(db);

  /** One transfer in its own transaction (the path without group commit, and its fallback). */
  function transferAlone(request: TransferRequest): Promise<TransactionRecord> {
    return idempotent({ key: request.key, operation: Operation.transfer, hash: request.hash }, transferWork(config.topics, request), loadTransaction);
  }

  const batcher =
    config.transferBatch === undefined || config.transferBatch.sizeMax <= 1
      ? undefined
      : createTransferBatcher(
          { unitOfWork, logger: deps.logger, alone: async (request) => ({ kind: 'committed', record: await transferAlone(request) }) },
          { ...config.transferBatch, topics: config.topics },
        );

  return {
    async createClient(input) {
      const now = new Date();
      const client: ClientRecord = { id: randomUUID(), name: parseName(input.name), email: parseEmail(input.email), createdAt: now, updatedAt: now };
      await insertClient(db, client, emailKeyOf(client.email));
      return client;
    },

    async createAccount(input, meta = {}) {
      const clientId = parseUuid(input.clientId, 'clientId');
      const id = randomUUID();
      const now = new Date();
      await unitOfWork.run(openAccountWork(config.topics, { id, clientId, now, traceparent: meta.traceparent }), { writesOutbox: true });
      return loadAccount(id);
    },

    async deposit(input, meta = {}) {
      const accountId = parseUuid(input.accountId, 'accountId');
      const amount = parseAmount(input.amount);
      const key = parseIdempotencyKey(input.idempotencyKey);
      const hash = requestHash(Operation.deposit, { accountId, amount: moneyText(amount) });
      return idempotent({ key, operation: Operation.deposit, hash }, depositWork(config.topics, accountId, amount, meta.traceparent), (depositId) =>
        loadDeposit(depositId),
      ).then((deposit) => loadAccount(deposit.accountId));
    },

    async transfer(input, meta = {}) {
      const from = parseUuid(input.accountIdFrom, 'accountIdFrom');
      const to = parseUuid(input.accountIdTo, 'accountIdTo');
      assertDistinctAccounts(from, to);
      const amount = parseAmount(input.amount);
      const key = parseIdempotencyKey(input.idempotencyKey);
      const hash = requestHash(Operation.transfer, { accountIdFrom: from, accountIdTo: to, amount: moneyText(amount) });
      const request: TransferRequest = { from, to, amount, key, hash, traceparent: meta.traceparent, traceContext: traceCarrierText() };
      if (batcher === undefined) return transferAlone(request);
      const outcome = await batcher.submit(request);
      if (outcome.kind === 'committed') return outcome.record;
      // The key was committed before (in an earlier batch, or by a transfer alone): replay it.
      const replayed = await replay({ key, operation: Operation.transfer, hash }, loadTransaction);
      return replayed.found ? replayed.value : transferAlone(request);
    },
  };
}
