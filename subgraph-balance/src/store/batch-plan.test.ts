import { planBatch, type BalanceState } from './batch-plan.js';
import type { SideUpdate } from './version-rule.js';

const now = new Date('2026-11-26T10:00:00.000Z');
const earlier = new Date('2026-11-25T10:00:00.000Z');

function clock() {
  let next = 0;
  return { now, newId: () => `new-${(next += 1)}` };
}

const row = (accountId: string, amount: string, version: number): BalanceState => ({ id: `id-${accountId}`, accountId, amount, version, updatedAt: earlier });
const side = (accountId: string, amount: string, version?: number): SideUpdate => ({ accountId, amount, version });

/** The reference: one transaction per side, each reading what the previous one wrote. */
function oneByOne(stored: ReadonlyMap<string, BalanceState>, sides: readonly SideUpdate[]) {
  const rows = new Map(stored);
  const ids = clock();
  const outcomes = sides.map((one) => {
    const plan = planBatch(rows, [one], ids);
    for (const state of [...plan.inserts, ...plan.updates]) rows.set(state.accountId, state);
    return plan.sides[0];
  });
  return { outcomes, rows };
}

function batched(stored: ReadonlyMap<string, BalanceState>, sides: readonly SideUpdate[]) {
  const plan = planBatch(stored, sides, clock());
  const rows = new Map(stored);
  for (const state of [...plan.inserts, ...plan.updates]) rows.set(state.accountId, state);
  return { outcomes: plan.sides, rows, plan };
}

test.each<[string, BalanceState[], SideUpdate[]]>([
  [
    'duplicates and older versions in one run',
    [row('a', '10.00', 3)],
    [side('a', '20', 4), side('a', '20', 4), side('a', '15', 2), side('a', '30', 5), side('a', '20', 4)],
  ],
  ['new accounts created, then updated in the same run', [], [side('b', '1', 1), side('c', '2', 1), side('b', '3', 2), side('c', '0.0001', 0)]],
  ['old un-versioned events keep the stored version', [row('a', '10.00', 7)], [side('a', '11'), side('a', '12', 8), side('a', '13')]],
  ['an old event creates a row at version 0, a versioned one then moves it', [], [side('d', '5'), side('d', '6', 0), side('d', '7', 1)]],
  ['nothing newer: no write at all', [row('a', '10.00', 3), row('b', '1.50', 9)], [side('a', '9', 2), side('b', '1.5', 9)]],
])('%s: same outcomes and rows as one transaction per side', (_name, rows, sides) => {
  const stored = new Map(rows.map((state) => [state.accountId, state]));
  const expected = oneByOne(stored, sides);
  const actual = batched(stored, sides);
  expect(actual.outcomes).toEqual(expected.outcomes);
  expect(actual.rows).toEqual(expected.rows);
});

test('each changed account is written once with its last state, sorted, existing rows as updates', () => {
  const stored = new Map([['m', row('m', '1.00', 1)]]);
  const { plan } = batched(stored, [
    side('z', '1', 1),
    side('m', '2', 2),
    side('a', '3', 1),
    side('z', '4', 2),
    side('m', '5', 3),
    side('q', '6', 0),
    side('q', '6', 0),
  ]);
  expect(plan.inserts.map((s) => [s.accountId, s.amount, s.version])).toEqual([
    ['a', '3.00', 1],
    ['q', '6.00', 0],
    ['z', '4.00', 2],
  ]);
  expect(plan.updates).toEqual([{ id: 'id-m', accountId: 'm', amount: '5.00', version: 3, updatedAt: now }]);
  expect(plan.sides.map((s) => s.outcome)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied', 'applied', 'republished']);
});

test('amounts stay exact decimals', () => {
  const { plan } = batched(new Map(), [side('a', '123456789012345.9999', 1), side('b', '0.0001', 1)]);
  expect(plan.inserts.map((s) => s.amount)).toEqual(['123456789012345.9999', '0.0001']);
});

test('random runs match one transaction per side', () => {
  const accounts = ['a', 'b', 'c', 'd'];
  for (let round = 0; round < 200; round += 1) {
    const stored = new Map(accounts.filter(() => Math.random() < 0.5).map((id) => [id, row(id, '1.00', Math.floor(Math.random() * 4))]));
    const sides = Array.from({ length: 1 + Math.floor(Math.random() * 12) }, () => {
      const id = accounts[Math.floor(Math.random() * accounts.length)] as string;
      const version = Math.random() < 0.2 ? undefined : Math.floor(Math.random() * 6);
      return side(id, `${Math.floor(Math.random() * 1000)}.${Math.floor(Math.random() * 10_000)}`, version);
    });
    const expected = oneByOne(stored, sides);
    const actual = batched(stored, sides);
    expect(actual.outcomes).toEqual(expected.outcomes);
    expect(actual.rows).toEqual(expected.rows);
  }
});

test('a late (older) versioned side leaves the row but keeps its own version for the history; an un-versioned one does not', () => {
  const stored = new Map([['a', row('a', '10.00', 5)]]);
  const plan = planBatch(stored, [{ ...side('a', '7.5', 4), transactionId: 't-4' }, side('a', '1')], clock());
  expect(plan.sides[0]).toMatchObject({
    outcome: 'stale',
    state: { version: 5, amount: '10.00' },
    transactionId: 't-4',
    lateVersion: { accountId: 'a', version: 4, amount: '7.50' },
  });
  expect(plan.sides[1]?.lateVersion).toBeUndefined();
  expect(plan.updates.map((state) => state.version)).toEqual([5]);
});
