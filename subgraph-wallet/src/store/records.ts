import type { Money } from '../domain/money.js';

/** What the store hands upward: plain values, no Prisma types. */
export interface ClientRecord {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface AccountRecord {
  readonly id: string;
  readonly clientId: string;
  readonly balance: Money;
  readonly version: number;
  readonly createdAt: Date;
}

export interface TransactionRecord {
  readonly id: string;
  readonly accountIdFrom: string;
  readonly accountIdTo: string;
  readonly amount: Money;
  readonly createdAt: Date;
  /** Account versions each side reached with this transfer; null for transfers older than the columns. */
  readonly versionFrom: number | null;
  readonly versionTo: number | null;
}

export interface DepositRecord {
  readonly id: string;
  readonly accountId: string;
  readonly amount: Money;
  readonly createdAt: Date;
}
