import { parse } from 'lossless-json';
import { assert } from '../errors/index.js';
import { isPlainDecimal } from '../input/plain-decimal.js';

/**
 * A JSON number kept as its source text: JSON.parse would turn it into the nearest double, which
 * cannot hold every DECIMAL(19,4) (`0.10000000000000001`, `12345678901234567890.1234`). `toJSON`
 * gives the double back, so a value that is forwarded (a position that legitimately takes a
 * number) is written as JSON.stringify would have written it.
 */
export class JsonNumber {
  constructor(readonly text: string) {}

  toNumber(): number {
    return Number(this.text);
  }

  toJSON(): number {
    return this.toNumber();
  }
}

/**
 * Every number as a JsonNumber (events, the old REST bodies: each amount is read from its text).
 * `lossless-json` does the parsing; strict JSON otherwise (invalid text throws).
 */
export function parseJsonLossless(text: string): unknown {
  return parse(text, null, (numberText) => new JsonNumber(numberText));
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;

/** Index just past the string literal that starts at `start` (a quote). */
function skipString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === BACKSLASH) i += 2;
    else if (code === QUOTE) return i + 1;
    else i += 1;
  }
  return i;
}

/**
 * Whether a JSON text holds a number with a fraction or an exponent outside its strings. Cheap (one
 * pass, no allocation): the common body (amounts as strings, integers) never pays for more.
 * Outside strings a `.` only occurs in a number, and an `e` right after a digit only in an exponent
 * (the other `e`s are in `true` and `false`).
 */
export function hasInexactJsonNumber(text: string): boolean {
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = skipString(text, i);
      continue;
    }
    if (code === DOT) return true;
    if ((code === LOWER_E || code === UPPER_E) && i > 0 && isDigit(text.charCodeAt(i - 1))) return true;
    i += 1;
  }
  return false;
}

/**
 * JSON.parse, except that numbers with a fraction or an exponent become JsonNumber (plain integers
 * stay numbers, which GraphQL's Int coercion expects): GraphQL request bodies, whose variables
 * meet the Decimal input rule. It also refuses a key repeated with different values, which
 * JSON.parse would silently resolve to the last one. A text without such a number (the common
 * body: amounts as strings) takes JSON.parse's fast path.
 */
export function parseJsonKeepingNumberText(text: string): unknown {
  if (!hasInexactJsonNumber(text)) return JSON.parse(text) as unknown;
  return parse(text, null, (token) => (/[.eE]/.test(token) ? new JsonNumber(token) : Number(token)));
}

/** Writes a decimal string (e.g. "995.5000") as a JSON number literal without float conversion: 995.5 */
export function decimalToJsonNumber(decimal: string): string {
  assert(isPlainDecimal(decimal), `not a plain decimal: ${decimal}`);
  const [integerPart = '0', fractionPart = ''] = decimal.split('.');
  const fraction = fractionPart.replace(/0+$/, '');
  const integer = integerPart.replace(/^(-?)0+(?=\d)/, '$1');
  const literal = fraction.length > 0 ? `${integer}.${fraction}` : integer;
  return literal === '-0' ? '0' : literal;
}
