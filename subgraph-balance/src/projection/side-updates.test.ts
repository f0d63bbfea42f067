import { EventDecodeError } from '@walletgraph/platform/kafka';
import { sideUpdatesOf } from './side-updates.js';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

test('a transfer names two sides', () => {
  expect(
    sideUpdatesOf({
      account_id_from: A,
      account_id_to: B,
      balance_account_id_from: '995',
      balance_account_id_to: '1005',
      version_account_id_from: 7,
      version_account_id_to: 3,
    }),
  ).toEqual([
    { accountId: A, amount: '995', version: 7 },
    { accountId: B, amount: '1005', version: 3 },
  ]);
});

test('a deposit or opening names one account once', () => {
  expect(
    sideUpdatesOf({
      account_id_from: A,
      account_id_to: A,
      balance_account_id_from: '10.50',
      balance_account_id_to: '10.5',
      version_account_id_from: 2,
      version_account_id_to: 2,
    }),
  ).toEqual([{ accountId: A, amount: '10.5', version: 2 }]);
});

test.each([
  ['different balances', { balance_account_id_to: '11' }],
  ['different versions', { version_account_id_to: 3 }],
])('one account with %s is poison', (_name, change) => {
  const event = {
    account_id_from: A,
    account_id_to: A,
    balance_account_id_from: '10',
    balance_account_id_to: '10',
    version_account_id_from: 2,
    version_account_id_to: 2,
    ...change,
  };
  expect(() => sideUpdatesOf(event)).toThrow(EventDecodeError);
});
