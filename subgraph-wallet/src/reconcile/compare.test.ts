import { canonicalBalance, classifyAccount, compareAccounts, DriftKind, sumBalances, type AccountSnapshot } from './compare.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const at = (accountId: string, balance: string, version: number): AccountSnapshot => ({ accountId, balance, version });

describe('classifyAccount', () => {
  it.each([
    ['equal', at(A, '10', 3), at(A, '10', 3), undefined],
    ['equal after canonical form', at(A, '10', 3), at(A, '10.0000', 3), undefined],
    ['no read-model row', at(A, '10', 3), undefined, DriftKind.missing],
    ['older read-model version', at(A, '10', 3), at(A, '5', 2), DriftKind.behind],
    ['newer read-model version', at(A, '10', 3), at(A, '10', 4), DriftKind.ahead],
    ['same version, other amount', at(A, '10', 3), at(A, '10.0001', 3), DriftKind.balanceMismatch],
  ] as const)('%s', (_name, wallet, read, expected) => {
    expect(classifyAccount(wallet, read)).toBe(expected);
  });
});

describe('compareAccounts', () => {
  it('lists each drifted account once with both sides, orphans last', () => {
    const drifts = compareAccounts([at(A, '10', 3), at(B, '1', 1)], [at(A, '9', 2), at('orphan-id', '4', 1)]);
    expect(drifts).toEqual([
      { accountId: A, kind: DriftKind.behind, wallet: { balance: '10', version: 3 }, readModel: { balance: '9', version: 2 } },
      { accountId: B, kind: DriftKind.missing, wallet: { balance: '1', version: 1 }, readModel: null },
      { accountId: 'orphan-id', kind: DriftKind.orphan, wallet: null, readModel: { balance: '4', version: 1 } },
    ]);
  });

  it('finds nothing when both sides agree', () => {
    expect(compareAccounts([at(A, '1000', 1)], [at(A, '1000', 1)])).toEqual([]);
  });
});

describe('canonicalBalance and sumBalances', () => {
  it.each([
    ['1000.0000', '1000'],
    ['0.5000', '0.5'],
    ['0.0001', '0.0001'],
    ['999999999999999.9999', '999999999999999.9999'],
  ])('%s → %s', (input, output) => {
    expect(canonicalBalance(input)).toBe(output);
  });

  it.each(['', 'NaN', '1e3', '1,5', 'abc'])('rejects %p as a bug', (input) => {
    expect(() => canonicalBalance(input)).toThrow(/invariant violated/);
  });

  it('adds exactly, without floating point', () => {
    expect(sumBalances([{ balance: '0.1' }, { balance: '0.2' }, { balance: '999999999999999.7' }])).toBe('1000000000000000');
  });
});
