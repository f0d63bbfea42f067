import { formatDecimal } from './decimal.js';

test.each([
  ['1000', '1000.00'],
  ['1000.0000', '1000.00'],
  ['995.5000', '995.50'],
  ['0.1234', '0.1234'],
  ['007.10', '7.10'],
  ['123456789012345.9999', '123456789012345.9999'],
])('%s → %s', (input, output) => {
  expect(formatDecimal(input)).toBe(output);
});

test('rejects what is not a plain decimal', () => {
  expect(() => formatDecimal('1e3')).toThrow(/invariant/);
});
