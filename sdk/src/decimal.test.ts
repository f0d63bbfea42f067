import { addDecimal, compareDecimal, formatDecimal, isDecimal, subtractDecimal } from './decimal';

describe('compareDecimal', () => {
  test.each([
    ['1.50', '1.5', 0],
    ['1000.00', '999.9999', 1],
    ['0.0001', '0.001', -1],
    ['-1', '0', -1],
    ['-0.00', '0', 0],
    ['12345678901234567890.1234', '12345678901234567890.1233', 1],
    ['9007199254740993', '9007199254740992', 1],
  ] as const)('compare(%s, %s) = %d', (a, b, expected) => {
    expect(compareDecimal(a, b)).toBe(expected);
    expect(compareDecimal(b, a)).toBe(expected === 0 ? 0 : -expected);
  });

  test('sorts like a comparator', () => {
    expect(['10', '9.99', '-1', '0.5'].sort(compareDecimal)).toEqual(['-1', '0.5', '9.99', '10']);
  });
});

describe('addDecimal and subtractDecimal', () => {
  test.each([
    ['1000.00', '5', '1005.00'],
    ['0.1', '0.2', '0.3'],
    ['999.9999', '0.0001', '1000.0000'],
    ['1', '-1.50', '-0.50'],
    ['-0.5', '-0.25', '-0.75'],
    ['90071992547409930', '1', '90071992547409931'],
  ] as const)('%s + %s = %s', (a, b, sum) => {
    expect(addDecimal(a, b)).toBe(sum);
  });

  test.each([
    ['1000.00', '25.50', '974.50'],
    ['0.3', '0.1', '0.2'],
    ['1', '2.25', '-1.25'],
  ] as const)('%s - %s = %s', (a, b, difference) => {
    expect(subtractDecimal(a, b)).toBe(difference);
  });
});

describe('formatDecimal', () => {
  test.each([
    ['1234.5', { fractionDigits: 2 }, '1234.50'],
    ['1234.5', { fractionDigits: 2, groupSeparator: ',' }, '1,234.50'],
    ['-1234567.891', { fractionDigits: 2, groupSeparator: ' ' }, '-1 234 567.89'],
    ['0.005', { fractionDigits: 2 }, '0.01'],
    ['-0.005', { fractionDigits: 2 }, '-0.01'],
    ['0.0049', { fractionDigits: 2 }, '0.00'],
    ['2.5', { fractionDigits: 0 }, '3'],
    ['100', {}, '100'],
    ['100.10', {}, '100.10'],
    ['999.995', { fractionDigits: 2, groupSeparator: ',' }, '1,000.00'],
  ] as const)('formatDecimal(%s, %j) = %s', (value, options, expected) => {
    expect(formatDecimal(value, options)).toBe(expected);
  });

  test('rejects a bad fractionDigits', () => {
    expect(() => formatDecimal('1', { fractionDigits: -1 })).toThrow(RangeError);
    expect(() => formatDecimal('1', { fractionDigits: 1.5 })).toThrow(RangeError);
  });
});

describe('invalid input', () => {
  const invalid = ['', '.5', '5.', '1e3', '1,000.00', ' 1', 'NaN', 'Infinity', '0x10', '1.2.3', '--1', '1'.repeat(81)];
  test.each(invalid)('rejects %j', (value) => {
    expect(isDecimal(value)).toBe(false);
    expect(() => compareDecimal(value, '0')).toThrow(TypeError);
    expect(() => addDecimal('0', value)).toThrow(TypeError);
    expect(() => formatDecimal(value)).toThrow(TypeError);
  });

  test('rejects non-strings', () => {
    expect(isDecimal(1.5)).toBe(false);
    expect(() => compareDecimal(1.5 as unknown as string, '1')).toThrow(TypeError);
  });

  test.each(['0', '+1.00', '-12.3400', '1'.repeat(80)])('accepts %j', (value) => {
    expect(isDecimal(value)).toBe(true);
  });
});
