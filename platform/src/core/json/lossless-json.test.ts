import { decimalToJsonNumber, hasInexactJsonNumber, JsonNumber, parseJsonKeepingNumberText, parseJsonLossless } from './lossless-json.js';

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

  it('is the same number class as the GraphQL bodies use: written back, it is the number JSON.parse makes', () => {
    expect(JSON.stringify(parseJsonLossless('{"a":1.5,"b":[7,-2e1]}'))).toBe('{"a":1.5,"b":[7,-20]}');
    expect((parseJsonLossless('[12.25]') as JsonNumber[])[0]?.toNumber()).toBe(12.25);
  });

  it('still rejects invalid JSON', () => {
    expect(() => parseJsonLossless('{"a":}')).toThrow();
    expect(() => parseJsonLossless('{"a":1')).toThrow();
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
    expect(parsed['a']).toEqual(new JsonNumber('1.00000000000000001'));
    expect(parsed['b']).toEqual([new JsonNumber('1.5e2'), new JsonNumber('-2E-1')]);
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
