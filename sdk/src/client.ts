import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { DocumentNode } from 'graphql';
import { ApiErrorCode, WalletError } from './errors.js';
import {
  AccountDocument,
  AccountTransactionsDocument,
  BalanceDocument,
  BalanceUpdatedDocument,
  ClientDocument,
  CreateAccountDocument,
  CreateClientDocument,
  CreateTransactionDocument,
  DepositDocument,
  type AccountQuery,
  type ClientQuery,
  type CreateAccountMutation,
  type CreateClientMutation,
  type CreateTransactionMutation,
  type DepositMutation,
} from './generated/graphql.js';
import { newIdempotencyKey } from './idempotency-key.js';
import { resolveOptions, type WalletClientOptions } from './options.js';
import { paginate, type TransactionIterable, type TransactionsOptions } from './pagination.js';
import { parseBalance } from './parse.js';
import { noRetry, withRetry } from './retry.js';
import { BalanceStream, type Balance, type BalanceStreamOptions } from './subscriptions/balance-stream.js';
import { createSubscriptionConnection, type SubscriptionConnection } from './subscriptions/connection.js';
import { createHttpTransport, persistedQueryExtension, prepareDocument } from './transport/http.js';

export type Client = NonNullable<ClientQuery['client']>;
export type CreatedClient = CreateClientMutation['createClient'];
export type Account = NonNullable<AccountQuery['account']>;
export type CreatedAccount = CreateAccountMutation['createAccount'];
export type DepositedAccount = DepositMutation['deposit'];
export type Transfer = CreateTransactionMutation['createTransaction'];

export interface DepositRequest {
  readonly accountId: string;
  /** A Decimal string, e.g. "100.00"; positive, at most 4 decimal places. */
  readonly amount: string;
  /** Default: a fresh `crypto.randomUUID()`, reused by this call's own retries. */
  readonly idempotencyKey?: string;
}

export interface TransferRequest {
  readonly accountIdFrom: string;
  readonly accountIdTo: string;
  /** A Decimal string, e.g. "25.50"; positive, at most 4 decimal places. */
  readonly amount: string;
  /** Default: a fresh `crypto.randomUUID()`, reused by this call's own retries. */
  readonly idempotencyKey?: string;
}

export interface RequestOptions {
  /** Retry retriable failures with the client's policy. Default: true for queries, false for mutations. */
  readonly retry?: boolean;
}

/** Variables may be left out when the operation declares none. */
type VariablesArgs<TVariables> =
  Record<string, never> extends TVariables ? [variables?: TVariables, options?: RequestOptions] : [variables: TVariables, options?: RequestOptions];

export interface WalletClient {
  createClient(input: { readonly name: string; readonly email: string }): Promise<CreatedClient>;
  createAccount(input: { readonly clientId: string }): Promise<CreatedAccount>;
  deposit(input: DepositRequest): Promise<DepositedAccount>;
  /** `createTransaction`: moves `amount` once, however often the call retries. */
  transfer(input: TransferRequest): Promise<Transfer>;
  client(id: string): Promise<Client | null>;
  account(id: string): Promise<Account | null>;
  /** Newest first. Throws NOT_FOUND (on the first page) when the account does not exist. */
  transactions(accountId: string, options?: TransactionsOptions): TransactionIterable;
  /**
   * The read model's balance; null until it has seen the account. With `minVersion` (e.g. a
   * transfer's `balanceVersionFrom`), the server waits until the read model has that version:
   * you read your own write. Past the server's wait: MIN_VERSION_TIMEOUT (retriable, retried).
   */
  balance(accountId: string, options?: { readonly minVersion?: number | undefined }): Promise<Balance | null>;
  /** Live balance updates with strictly increasing `version`; see `BalanceStream`. */
  onBalanceUpdated(accountId: string, options?: BalanceStreamOptions): BalanceStream;
  /** Any typed document (query or mutation) against the gateway. */
  request<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, ...args: VariablesArgs<NoInfer<TVariables>>): Promise<TResult>;
  /** Ends every balance stream and closes the WebSocket. */
  close(): Promise<void>;
}

type Execute = <TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables, retry: boolean) => Promise<TResult>;

/** Writes; a deposit or transfer retries with the key fixed before its first attempt (a retry after a lost response is a replay). */
function walletMutations(execute: Execute): Pick<WalletClient, 'createClient' | 'createAccount' | 'deposit' | 'transfer'> {
  return {
    async createClient(input) {
      return (await execute(CreateClientDocument, { input: { name: input.name, email: input.email } }, false)).createClient;
    },
    async createAccount(input) {
      return (await execute(CreateAccountDocument, { input: { clientId: input.clientId } }, false)).createAccount;
    },
    async deposit(input) {
      // The key is fixed before the first attempt, so a retry after a lost response is a replay.
      const idempotencyKey = input.idempotencyKey ?? newIdempotencyKey();
      return (await execute(DepositDocument, { input: { accountId: input.accountId, amount: input.amount, idempotencyKey } }, true)).deposit;
    },
    async transfer(input) {
      const idempotencyKey = input.idempotencyKey ?? newIdempotencyKey();
      const variables = { input: { accountIdFrom: input.accountIdFrom, accountIdTo: input.accountIdTo, amount: input.amount, idempotencyKey } };
      return (await execute(CreateTransactionDocument, variables, true)).createTransaction;
    },
  };
}

/** Reads, always retried. */
function walletReads(
  execute: Execute,
  readBalance: (accountId: string, minVersion?: number) => Promise<Balance | null>,
): Pick<WalletClient, 'client' | 'account' | 'transactions' | 'balance'> {
  return {
    async client(id) {
      return (await execute(ClientDocument, { id }, true)).client;
    },
    async account(id) {
      return (await execute(AccountDocument, { id }, true)).account;
    },
    transactions(accountId, pageOptions) {
      return paginate(async (first, after) => {
        const data = await execute(AccountTransactionsDocument, { accountId, first, after }, true);
        if (data.account === null) throw new WalletError(ApiErrorCode.NOT_FOUND, `account ${accountId} not found`);
        return data.account.transactions;
      }, pageOptions);
    },
    balance: (accountId, balanceOptions) => readBalance(accountId, balanceOptions?.minVersion),
  };
}

export function createWalletClient(options: WalletClientOptions): WalletClient {
  const resolved = resolveOptions(options);
  const http = createHttpTransport(resolved);
  const streams = new Set<BalanceStream>();
  let connection: SubscriptionConnection | undefined;
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new TypeError('the wallet client is closed');
  }

  async function execute<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables, retry: boolean): Promise<TResult> {
    assertOpen();
    return withRetry(retry ? resolved.retry : noRetry, () => http.execute(document, variables), {
      onRetry: (error, retryIndex, delayMs) => reportRetry(document, variables, error, retryIndex, delayMs),
    });
  }

  function reportRetry(document: DocumentNode, variables: unknown, error: WalletError, retryIndex: number, delayMs: number): void {
    if (resolved.onRetry === undefined) return;
    try {
      resolved.onRetry({ operationName: prepareDocument(document).operationName, variables, error, retryIndex, delayMs });
    } catch {
      // An observer must not change what the call does.
    }
  }

  async function readBalance(accountId: string, minVersion?: number): Promise<Balance | null> {
    const data = await execute(BalanceDocument, { accountId, ...(minVersion === undefined ? {} : { minVersion }) }, true);
    return data.balance === null ? null : parseBalance(data.balance, 'balance');
  }

  const api: WalletClient = {
    ...walletMutations(execute),
    ...walletReads(execute, readBalance),
    onBalanceUpdated(accountId, streamOptions) {
      assertOpen();
      connection ??= createSubscriptionConnection(resolved);
      const { query, operationName, id } = prepareDocument(BalanceUpdatedDocument);
      // graphql-ws requires a query string; an empty one goes with the id (see documentIdsOnly).
      const text = resolved.documentIdsOnly && id !== undefined ? { query: '', extensions: persistedQueryExtension(id) } : { query };
      const stream: BalanceStream = new BalanceStream(
        {
          connection,
          request: { ...text, operationName, variables: { accountId } },
          readBalance: () => readBalance(accountId),
          resubscribe: resolved.reconnect,
          bufferCountMax: resolved.streamBufferCountMax,
          onEnd: () => streams.delete(stream),
        },
        streamOptions,
      );
      streams.add(stream);
      return stream;
    },
    async request<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, ...args: VariablesArgs<NoInfer<TVariables>>): Promise<TResult> {
      const [variables, requestOptions] = args;
      const { operationType } = prepareDocument(document);
      if (operationType === 'subscription') throw new TypeError('request() runs queries and mutations; use onBalanceUpdated for subscriptions');
      return execute(document, (variables ?? {}) as TVariables, requestOptions?.retry ?? operationType === 'query');
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const stream of [...streams]) await stream.return();
      await connection?.dispose();
    },
  };
  return api;
}
