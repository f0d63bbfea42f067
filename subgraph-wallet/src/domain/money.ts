import { assert, BadUserInputError, isPlainDecimal } from '@walletgraph/platform/core';
import DecimalJs from 'decimal.js';

/** Enough significant digits for any sum of two DECIMAL(19,4) values; never rounds in our range. */
export const Money = DecimalJs.clone({ precision: 40, rounding: DecimalJs.ROUND_DOWN, toExpNeg: -40, toExpPos: 40 });
export type Money = InstanceType<typeof Money>;

/** Fraction digits of a DECIMAL(19,4) column. */
export const MONEY_SCALE = 4;
/** The largest amount one deposit or transfer may move. */
export const AMOUNT_MAX = new Money('1000000000');
/** The largest value DECIMAL(19,4) can hold: 15 integer digits, 4 fraction digits. */
export const BALANCE_MAX = new Money('999999999999999.9999');
/** Longest amount text accepted before parsing (guards the parser against hostile input). */
const AMOUNT_TEXT_LENGTH_MAX = 40;

/** Reads a user-supplied amount: a plain positive decimal, at most 4 places, at most AMOUNT_MAX. */
export function parseAmount(raw: unknown, field = 'amount'): Money {
  const text = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
  if (text === undefined || text.length === 0) throw new BadUserInputError(`${field} must be a decimal number`, { details: { field } });
  if (text.length > AMOUNT_TEXT_LENGTH_MAX) throw new BadUserInputError(`${field} is too long`, { details: { field } });
  if (text.startsWith('-')) throw new BadUserInputError(`${field} must be positive`, { details: { field } });
  if (!isPlainDecimal(text)) throw new BadUserInputError(`${field} must be a plain decimal number such as 10.50`, { details: { field } });
  const amount = new Money(text);
  if (amount.decimalPlaces() > MONEY_SCALE) {
    throw new BadUserInputError(`${field} has more than ${MONEY_SCALE} decimal places`, { details: { field } });
  }
  if (amount.lte(0)) throw new BadUserInputError(`${field} must be positive`, { details: { field } });
  if (amount.gt(AMOUNT_MAX)) throw new BadUserInputError(`${field} must be at most ${AMOUNT_MAX.toFixed()}`, { details: { field } });
  return amount;
}

/** Reads a stored DECIMAL(19,4) (string or Prisma Decimal); a bad value is a bug, not user input. */
export function moneyFromStore(value: { toString(): string } | string): Money {
  const text = typeof value === 'string' ? value : value.toString();
  assert(isPlainDecimal(text), `stored money is not a plain decimal: ${text}`);
  return new Money(text);
}

/** Canonical text: no exponent, no trailing fraction zeros ("995", "0.0001"). Used in events and hashes. */
export function moneyText(value: Money): string {
  return value.toFixed();
}

/** GraphQL `Decimal` output: at least 2 fraction digits, at most 4 ("1000.00", "12.345", "0.0001"). */
export function moneyDisplay(value: Money): string {
  const places = Math.max(2, value.decimalPlaces());
  return value.toFixed(places);
}

/** Text for a DECIMAL(19,4) column write. */
export function moneyColumn(value: Money): string {
  return value.toFixed(MONEY_SCALE);
}
