// Must NOT compile: each marked line is a type error with the code named after `expect-error`.
// test/types.test.ts runs tsc on this file and checks that exactly these lines fail.
import { BalanceDocument, createWalletClient, type WalletError } from '@walletgraph/sdk';

export async function misuse(error: WalletError): Promise<void> {
  const client = createWalletClient({ url: 'http://localhost:4000/graphql' });
  // A Decimal is a string, never a number.
  await client.transfer({ accountIdFrom: 'a', accountIdTo: 'b', amount: 1.5 }); // expect-error TS2322
  // A misspelt input field.
  await client.deposit({ accountID: 'a', amount: '1' }); // expect-error TS2561
  // A field the document does not select.
  const balance = await client.request(BalanceDocument, { accountId: 'a' });
  void balance.balance?.account; // expect-error TS2551
  // A variable of the wrong type, and a variable the operation does not declare.
  await client.request(BalanceDocument, { accountId: 42 }); // expect-error TS2322
  await client.request(BalanceDocument, { accountId: 'a', first: 2 }); // expect-error TS2353
  // A required variable left out.
  await client.request(BalanceDocument, {}); // expect-error TS2345
  // The amount stays a string: arithmetic on it is refused.
  const transfer = await client.transfer({ accountIdFrom: 'a', accountIdTo: 'b', amount: '1' });
  const doubled: number = transfer.amount * 2; // expect-error TS2362
  // A code the API does not have.
  if (error.code === 'OUT_OF_MONEY') return; // expect-error TS2367
  void doubled;
}
