import { BadUserInputError } from '../errors/index.js';
import { decimalTextFromLiteral, decimalTextFromValue, isPlainDecimal } from './decimal-input.js';
import { hasInexactJsonNumber, JsonNumberText, parseJsonKeepingNumberText } from './json-number-text.js';

describe('isPlainDecimal (the one check, for input, stored columns and events)', () => {
  it.each(['0', '10.50', '-1', '007.10', '123456789012345.9999'])('%p is plain', (text) => expect(isPlainDecimal(text)).toBe(true));
  it.each(['', '-', '+1', '1.', '.5', '1e3', '1E0', '0x10', '1,5', ' 1', 'NaN', 'Infinity', '1.2.3'])('%p is not', (text) => expect(isPlainDecimal(text)).toBe(false));
});

describe('the Decimal input rule', () => {
  it.each<[unknown, string]>([
    ['10.50', '10.50'],
    [' 5 ', '5'],
    ['-1', '-1'],
    [5, '5'],
    [9_007_199_254_740_991, '9007199254740991'],
  ])('accepts the value %p as %p', (value, text) => {
    expect(decimalTextFromValue(value)).toBe(text);
  });

  it.each<[unknown, RegExp]>([
    [0.1, /JSON number 0.1 is not an exact amount; send amounts as strings/],
    [new JsonNumberText('1.00000000000000001'), /JSON number 1.00000000000000001 is not an exact amount/],
    [new JsonNumberText('1.5e2'), /1.5e2/],
    [9_007_199_254_740_992, /not an exact amount/],
    ['1.5e2', /not a plain decimal/],
    ['1E0', /not a plain decimal/],
    ['0x10', /not a plain decimal/],
    ['', /not a plain decimal/],
    ['1'.repeat(65), /at most 64/],
    [true, /not a boolean/],
    [[5], /not a list/],
    [{}, /not an object/],
    [null, /not null/],
  ])('refuses the value %p', (value, message) => {
    expect(() => decimalTextFromValue(value)).toThrow(message);
    expect(() => decimalTextFromValue(value)).toThrow(BadUserInputError);
  });

  it.each([
    [{ kind: 'StringValue', value: '0.10' }, '0.10'],
    [{ kind: 'IntValue', value: '5' }, '5'],
  ])('accepts the literal %p', (literal, text) => {
    expect(decimalTextFromLiteral(literal)).toBe(text);
  });

  it.each<[{ kind: string; value?: unknown }, RegExp]>([
    [{ kind: 'FloatValue', value: '0.10000000000000001' }, /float literal 0.10000000000000001 is not an exact amount/],
    [{ kind: 'FloatValue', value: '1E0' }, /float literal 1E0/],
    [{ kind: 'IntValue', value: '90071992547409930' }, /too large/],
    [{ kind: 'StringValue', value: '1.5e2' }, /not a plain decimal/],
    [{ kind: 'BooleanValue', value: true }, /must be a string/],
    [{ kind: 'ListValue' }, /must be a string/],
    [{ kind: 'ObjectValue' }, /must be a string/],
  ])('refuses the literal %p', (literal, message) => {
    expect(() => decimalTextFromLiteral(literal)).toThrow(message);
  });
});

describe('JSON numbers keep their text where a double would lose it', () => {
  it('finds fractions and exponents outside strings only', () => {
    expect(hasInexactJsonNumber('{"query":"{ a(x: 1.5) }","variables":{"n":1,"b":true,"f":false}}')).toBe(false);
    expect(hasInexactJsonNumber('{"variables":{"a":0.1}}')).toBe(true);
    expect(hasInexactJsonNumber('{"variables":{"a":1e2}}')).toBe(true);
    expect(hasInexactJsonNumber('{"variables":{"a":"say \\"1.5\\""}}')).toBe(false);
  });

  it('parses like JSON.parse, keeping each inexact number as text', () => {
    const parsed = parseJsonKeepingNumberText('{"a":1.00000000000000001,"b":[1.5e2,-2E-1],"c":7,"d":"0.5","e":true}') as Record<string, unknown>;
    expect(parsed['a']).toEqual(new JsonNumberText('1.00000000000000001'));
    expect(parsed['b']).toEqual([new JsonNumberText('1.5e2'), new JsonNumberText('-2E-1')]);
    expect([parsed['c'], parsed['d'], parsed['e']]).toEqual([7, '0.5', true]);
    // Forwarded as JSON, a kept number is the number JSON.parse would have made.
    expect(JSON.stringify(parsed)).toBe(JSON.stringify(JSON.parse('{"a":1.00000000000000001,"b":[1.5e2,-2E-1],"c":7,"d":"0.5","e":true}')));
  });

  it('cannot be fooled by a string that looks like its sentinel, and rejects what JSON.parse rejects', () => {
    const parsed = parseJsonKeepingNumberText('{"a":"\\u0000abc:0","b":0.5}') as Record<string, unknown>;
    expect(parsed['a']).toBe('\u0000abc:0');
    expect(() => parseJsonKeepingNumberText('{"a":1.}')).toThrow(SyntaxError);
    expect(() => parseJsonKeepingNumberText('{"a":0.5,}')).toThrow(SyntaxError);
  });
});
