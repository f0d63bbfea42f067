import { parse } from 'lossless-json';
import { assert } from '../errors/index.js';
import { isPlainDecimal } from '../input/decimal-input.js';

/**
 * JSON.parse turns numbers into doubles, which cannot hold every DECIMAL(19,4); `lossless-json`
 * hands us each number's source text instead (strict JSON otherwise: invalid text throws).
 */
export function parseJsonLossless(text: string): unknown {
  return parse(text, null, (numberText) => new JsonNumber(numberText));
}

/** A JSON number kept as its source text. */
export class JsonNumber {
  constructor(readonly text: string) {}
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
