import { ClientErrorCode, WalletError } from './errors.js';
import type { BalanceFieldsFragment } from './generated/graphql.js';

function badResponse(message: string): WalletError {
  return new WalletError(ClientErrorCode.BAD_RESPONSE, message, { retriable: false });
}

/** The stream's ordering rests on `version`, so a balance is checked field by field. */
export function parseBalance(value: unknown, field: string): BalanceFieldsFragment {
  if (typeof value !== 'object' || value === null) throw badResponse(`${field}: expected a Balance, got ${value === null ? 'null' : typeof value}`);
  const { accountId, amount, version, updatedAt } = value as Record<string, unknown>;
  if (typeof accountId !== 'string') throw badResponse(`${field}.accountId: expected a string`);
  if (typeof amount !== 'string') throw badResponse(`${field}.amount: expected a Decimal string`);
  if (typeof version !== 'number' || !Number.isSafeInteger(version)) throw badResponse(`${field}.version: expected an integer`);
  if (typeof updatedAt !== 'string') throw badResponse(`${field}.updatedAt: expected a DateTime string`);
  return { accountId, amount, version, updatedAt };
}

/** Fields the SDK's own methods promise non-null (the schema does too); a null here is a server bug. */
export function requireField<T>(data: Readonly<Record<string, unknown>>, field: string): T {
  const value = data[field];
  if (value === null || value === undefined) throw badResponse(`${field}: expected a value, got ${String(value)}`);
  return value as T;
}
