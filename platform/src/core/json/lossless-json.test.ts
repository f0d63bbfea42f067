import { decimalToJsonNumber, JsonNumber, parseJsonLossless } from './lossless-json.js';

describe('decimalToJsonNumber', () => {
  it.each([
    ['995.0000', '995'],
    ['1005.5000', '1005.5'],
    ['0.0001', '0.0001'],
    ['0.0000', '0'],
    ['00012.3400', '12.34'],
    ['-0.0000', '0'],
    ['123', '123'],
  ])('%s → %s', (input, output) => expect(decimalToJsonNumber(input)).toBe(output));

  it('refuses anything but a plain decimal', () => {
    expect(() => decimalToJsonNumber('1e3')).toThrow('not a plain decimal');
    expect(() => decimalToJsonNumber('NaN')).toThrow('not a plain decimal');
  });
});

describe('parseJsonLossless', () => {
  it('keeps the source text of every number, outside strings only', () => {
    const parsed = parseJsonLossless('{"a":12345678901234567890.1234,"b":"9.9 \\" 1","c":[1,-2.5e3]}') as Record<string, unknown>;
    expect(parsed['a']).toEqual(new JsonNumber('12345678901234567890.1234'));
    expect(parsed['b']).toBe('9.9 " 1');
    expect(parsed['c']).toEqual([new JsonNumber('1'), new JsonNumber('-2.5e3')]);
  });

  it('never takes a string for a number, whatever the string holds', () => {
    // The hand-written parser this replaced marked numbers with a "\u0000n:" string prefix, so a
    // string starting with that prefix came back as a number.
    const parsed = parseJsonLossless('{"amount":"\\u0000n:777"}') as Record<string, unknown>;
    expect(parsed['amount']).toBe('\u0000n:777');
  });

  it('still rejects invalid JSON', () => {
    expect(() => parseJsonLossless('{"a":}')).toThrow();
    expect(() => parseJsonLossless('{"a":1')).toThrow();
  });
});
