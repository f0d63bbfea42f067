import { BadUserInputError } from '../errors/index.js';
import { JsonNumber } from '../json/lossless-json.js';
import { isPlainDecimal } from './plain-decimal.js';

/**
 * The one rule for a decimal a caller sends (the GraphQL `Decimal` scalar of every subgraph and of
 * the gateway): amounts are strings holding a plain decimal; an exact integer (a GraphQL Int
 * literal, a JSON safe integer) is accepted as well. A float literal, a JSON number with a
 * fraction or exponent, or an exponent in a string is refused: a double cannot carry
 * `0.10000000000000001` and `1.5e2` is not how money is written. Sign, scale and range are the
 * domain's rules (it knows the field and the limits).
 */
export const DECIMAL_TEXT_LENGTH_MAX = 64;
const SEND_A_STRING = 'send amounts as strings, such as "10.50"';

/** The kinds of GraphQL literal (graphql-js `Kind` values) the rule tells apart. */
export interface DecimalLiteral {
  readonly kind: string;
  readonly value?: unknown;
}

function plainDecimalText(raw: string): string {
  const text = raw.trim();
  if (text.length > DECIMAL_TEXT_LENGTH_MAX) throw new BadUserInputError(`a Decimal may be at most ${DECIMAL_TEXT_LENGTH_MAX} characters`);
  if (!isPlainDecimal(text))
    throw new BadUserInputError(`"${text}" is not a plain decimal: use digits with an optional point and fraction, no exponent, such as "10.50"`);
  return text;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A variable's value (JSON): a plain decimal string, or a safe integer. Returns the decimal text. */
export function decimalTextFromValue(value: unknown): string {
  if (typeof value === 'string') return plainDecimalText(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (value instanceof JsonNumber) throw new BadUserInputError(`the JSON number ${value.text} is not an exact amount; ${SEND_A_STRING}`);
  if (typeof value === 'number') throw new BadUserInputError(`the JSON number ${String(value)} is not an exact amount; ${SEND_A_STRING}`);
  throw new BadUserInputError(`a Decimal must be a string such as "10.50", not ${describe(value)}`);
}

/** A literal in the document: a string as above, or an Int literal within the safe range. */
export function decimalTextFromLiteral(literal: DecimalLiteral): string {
  if (literal.kind === 'StringValue' && typeof literal.value === 'string') return plainDecimalText(literal.value);
  if (literal.kind === 'IntValue' && typeof literal.value === 'string') {
    if (!Number.isSafeInteger(Number(literal.value)))
      throw new BadUserInputError(`the integer ${literal.value} is too large to be an amount; ${SEND_A_STRING}`);
    return literal.value;
  }
  if (literal.kind === 'FloatValue') throw new BadUserInputError(`the float literal ${String(literal.value)} is not an exact amount; ${SEND_A_STRING}`);
  throw new BadUserInputError(`a Decimal must be a string such as "10.50"`);
}
