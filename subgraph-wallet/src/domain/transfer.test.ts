import { Money, moneyText } from './money.js';
import { assertDistinctAccounts, lockOrder, planDeposit, planTransfer } from './transfer.js';

const account = (id: string, balance: string, version = 3) => ({ id, balance: new Money(balance), version });

describe('planTransfer', () => {
  it('debits, credits and bumps both versions', () => {
    const plan = planTransfer(account('a', '1000'), account('b', '1000', 7), new Money('5'));
    expect([moneyText(plan.from.balance), plan.from.version, moneyText(plan.to.balance), plan.to.version]).toEqual(['995', 4, '1005', 8]);
  });

  it('allows spending to exactly zero and refuses one unit more with insufficient funds', () => {
    expect(moneyText(planTransfer(account('a', '1.0001'), account('b', '0'), new Money('1.0001')).from.balance)).toBe('0');
    expect(() => planTransfer(account('a', '1.0001'), account('b', '0'), new Money('1.0002'))).toThrow('insufficient funds');
  });

  it('refuses a credit beyond DECIMAL(19,4)', () => {
    expect(() => planTransfer(account('a', '10'), account('b', '999999999999999.9999'), new Money('0.0001'))).toThrow(/largest balance/);
  });
});

describe('planDeposit', () => {
  it('adds and bumps the version; refuses overflow', () => {
    const change = planDeposit(account('a', '0.0001'), new Money('0.0002'));
    expect([moneyText(change.balance), change.version]).toEqual(['0.0003', 4]);
    expect(() => planDeposit(account('a', '999999999999999'), new Money('1'))).toThrow(/largest balance/);
  });
});

describe('rules', () => {
  it('locks in ascending id order whatever the direction', () => {
    expect(lockOrder('b', 'a')).toEqual(['a', 'b']);
    expect(lockOrder('a', 'b')).toEqual(['a', 'b']);
  });

  it('refuses the same account on both sides', () => {
    expect(() => assertDistinctAccounts('a', 'a')).toThrow(/different accounts/);
  });
});
