/**
 * JSON.parse turns numbers into doubles, which cannot hold every DECIMAL(19,4). Before parsing,
 * every number token outside a string is wrapped in a marker string so its exact text survives.
 */
const NUMBER_MARKER = '\u0000n:';

export function parseJsonLossless(text: string): unknown {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i] as string;
    if (ch === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      let j = i + 1;
      while (j < n && /[0-9eE.+-]/.test(text[j] as string)) j += 1;
      out += `"\\u0000n:${text.slice(i, j)}"`;
      i = j;
    } else {
      out += ch;
      i += 1;
    }
  }
  return JSON.parse(out, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(NUMBER_MARKER) ? new JsonNumber(value.slice(NUMBER_MARKER.length)) : value,
  );
}

/** A JSON number kept as its source text. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

/** Writes a decimal string (e.g. "995.5000") as a JSON number literal without float conversion: 995.5 */
export function decimalToJsonNumber(decimal: string): string {
  if (!/^-?\d+(\.\d+)?$/.test(decimal)) throw new Error(`not a plain decimal: ${decimal}`);
  const [integerPart = '0', fractionPart = ''] = decimal.split('.');
  const fraction = fractionPart.replace(/0+$/, '');
  const integer = integerPart.replace(/^(-?)0+(?=\d)/, '$1');
  const literal = fraction.length > 0 ? `${integer}.${fraction}` : integer;
  return literal === '-0' ? '0' : literal;
}
