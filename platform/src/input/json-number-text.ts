import { randomBytes } from 'node:crypto';

/**
 * A JSON number written with a fraction or an exponent (`0.10000000000000001`, `1.5e2`), kept as
 * its source text: JSON.parse would turn it into the nearest double, and an amount must never be
 * read through one. `toJSON` gives the double back, so a value that is forwarded (a position that
 * legitimately takes a number) is written as JSON.stringify would have written it.
 */
export class JsonNumberText {
  constructor(readonly text: string) {}

  toNumber(): number {
    return Number(this.text);
  }

  toJSON(): number {
    return this.toNumber();
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;
const isNumberChar = (code: number): boolean => isDigit(code) || code === DOT || code === LOWER_E || code === UPPER_E || code === 0x2b || code === 0x2d;

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
 * JSON.parse, except that numbers with a fraction or an exponent become JsonNumberText (plain
 * integers stay numbers). Each such token is swapped for a string sentinel carrying a random
 * nonce before parsing, so no string the caller wrote can pass for one.
 */
export function parseJsonKeepingNumberText(text: string): unknown {
  if (!hasInexactJsonNumber(text)) return JSON.parse(text) as unknown;
  const sentinel = `\u0000${randomBytes(12).toString('hex')}:`;
  const escapedSentinel = `\\u0000${sentinel.slice(1)}`;
  const numbers: string[] = [];
  let out = '';
  let copiedTo = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = skipString(text, i);
      continue;
    }
    if (code === 0x2d || isDigit(code)) {
      let end = i + 1;
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end += 1;
      const token = text.slice(i, end);
      if (/[.eE]/.test(token)) {
        out += `${text.slice(copiedTo, i)}"${escapedSentinel}${numbers.length}"`;
        numbers.push(token);
        copiedTo = end;
      }
      i = end;
      continue;
    }
    i += 1;
  }
  out += text.slice(copiedTo);
  return JSON.parse(out, (_key, value: unknown) => {
    if (typeof value !== 'string' || !value.startsWith(sentinel)) return value;
    const token = numbers[Number(value.slice(sentinel.length))];
    // The token was validated by JSON.parse only as a string: check it is the number it looked like.
    if (token === undefined || !/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(token)) throw new SyntaxError(`invalid JSON number ${token ?? ''}`);
    return new JsonNumberText(token);
  }) as unknown;
}
