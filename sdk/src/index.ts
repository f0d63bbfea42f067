export { createWalletClient } from './client.js';
export type {
  Account,
  Client,
  CreatedAccount,
  CreatedClient,
  DepositedAccount,
  DepositRequest,
  RequestOptions,
  Transfer,
  TransferRequest,
  WalletClient,
} from './client.js';
export { ApiErrorCode, ClientErrorCode, NetworkError, WalletError, isRefusal, isWalletError } from './errors.js';
export type { WalletErrorCode, WalletGraphQLError, WalletErrorOptions } from './errors.js';
export { addDecimal, compareDecimal, formatDecimal, isDecimal, subtractDecimal } from './decimal.js';
export type { FormatDecimalOptions } from './decimal.js';
export type {
  FetchLike,
  FetchInitLike,
  FetchResponseLike,
  HeadersInput,
  RetryEvent,
  TokenInput,
  WalletClientOptions,
  WebSocketConstructor,
} from './options.js';
export type { Transaction, TransactionIterable, TransactionPage, TransactionsOptions } from './pagination.js';
export type { RetryPolicy } from './retry.js';
export type { Balance, BalanceStream, BalanceStreamOptions } from './subscriptions/balance-stream.js';
export * from './generated/graphql.js';
export type * as Schema from './generated/schema-types.js';
