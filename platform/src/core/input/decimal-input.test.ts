import { BadUserInputError } from '../errors/index.js';
import { decimalTextFromLiteral, decimalTextFromValue } from './decimal-input.js';
import { isPlainDecimal } from './plain-decimal.js';
import { JsonNumber } from '../json/lossless-json.js';

describe('isPlainDecimal (the one check, for input, stored columns and events)', () => {
  it.each(['0', '10.50', '-1', '007.10', '123456789012345.9999'])('%p is plain', (text) => expect(isPlainDecimal(text)).toBe(true));
  it.each(['', '-', '+1', '1.', '.5', '1e3', '1E0', '0x10', '1,5', ' 1', 'NaN', 'Infinity', '1.2.3'])('%p is not', (text) =>
    expect(isPlainDecimal(text)).toBe(false),
  );
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
    [new JsonNumber('1.00000000000000001'), /JSON number 1.00000000000000001 is not an exact amount/],
    [new JsonNumber('1.5e2'), /1.5e2/],
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
