import { AMOUNT_MAX, Money, moneyDisplay, moneyText, parseAmount } from './money.js';

describe('parseAmount', () => {
  it.each([
    ['5', '5'],
    ['5.00', '5'],
    ['0.0001', '0.0001'],
    [' 12.3400 ', '12.34'],
    [7, '7'],
    [0.5, '0.5'],
    ['1000000000', '1000000000'],
  ])('accepts %p as %s', (raw, text) => {
    expect(moneyText(parseAmount(raw))).toBe(text);
  });

  it.each([
    ['', /decimal number/],
    ['0', /positive/],
    ['0.0000', /positive/],
    ['-1', /positive/],
    ['1.00001', /more than 4 decimal places/],
    ['1e3', /plain decimal/],
    ['0x10', /plain decimal/],
    ['1,5', /plain decimal/],
    ['Infinity', /plain decimal/],
    [Number.NaN, /decimal number/],
    [true, /decimal number/],
    [null, /decimal number/],
    ['1000000000.0001', /at most 1000000000/],
    ['9'.repeat(41), /too long/],
  ])('refuses %p', (raw, message) => {
    expect(() => parseAmount(raw)).toThrow(message);
    try {
      parseAmount(raw);
    } catch (error: unknown) {
      expect((error as { code: string }).code).toBe('BAD_USER_INPUT');
    }
  });

  it('keeps sums exact where binary floats drift', () => {
    let total = new Money(0);
    for (let i = 0; i < 1000; i += 1) total = total.plus(parseAmount('0.0001'));
    expect(moneyText(total)).toBe('0.1');
    expect(moneyText(new Money('999999999999999.9999').minus(AMOUNT_MAX))).toBe('999998999999999.9999');
  });

  it('displays at least two fraction digits', () => {
    expect(moneyDisplay(new Money('1000'))).toBe('1000.00');
    expect(moneyDisplay(new Money('12.345'))).toBe('12.345');
    expect(moneyDisplay(new Money('0.0001'))).toBe('0.0001');
  });
});
