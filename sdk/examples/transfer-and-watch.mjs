#!/usr/bin/env node
// Transfers between the two seeded accounts through the gateway, then prints the receiver's live
// balance for a while. Uses the built package: `npm run build -w @walletgraph/sdk`, `npm start`,
// then `npm run example -w @walletgraph/sdk`.
//
//   node examples/transfer-and-watch.mjs [--url http://localhost:4000/graphql] [--from ID] [--to ID]
//                                        [--amount 1.00] [--watch-ms 10000] [--token JWT]
// The token (or WALLETGRAPH_TOKEN) must be allowed to move money from --from: `npm start` prints
// one for each seeded client; `npm run -s token -- --admin` mints an admin token.
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createWalletClient, formatDecimal, WalletError } from '@walletgraph/sdk';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://localhost:4000/graphql' },
    from: { type: 'string', default: '7dfe0fa9-d168-4329-a9ba-ca1b7052fac3' },
    to: { type: 'string', default: 'c6aee752-9977-46c3-9fa0-29e14f85f73f' },
    amount: { type: 'string', default: '1.00' },
    'watch-ms': { type: 'string', default: '10000' },
    token: { type: 'string', default: process.env.WALLETGRAPH_TOKEN },
  },
});
if (values.token === undefined) {
  console.error('a token is required: --token <jwt> or WALLETGRAPH_TOKEN (npm run -s token -- --admin)');
  process.exit(2);
}

const client = createWalletClient({ url: values.url, webSocketImpl: WebSocket, token: values.token });
try {
  // Subscribe before transferring; emitCurrent also prints where the balance starts.
  const updates = client.onBalanceUpdated(values.to, { emitCurrent: true, signal: AbortSignal.timeout(Number(values['watch-ms'])) });
  const transfer = await client.transfer({ accountIdFrom: values.from, accountIdTo: values.to, amount: values.amount });
  console.log(`transfer ${transfer.id}: ${formatDecimal(transfer.amount, { fractionDigits: 2 })} from ${transfer.accountFrom.id} to ${transfer.accountTo.id}`);
  for await (const balance of updates) {
    console.log(`balance ${balance.accountId}: ${formatDecimal(balance.amount, { fractionDigits: 2, groupSeparator: ',' })} (version ${balance.version})`);
  }
} catch (error) {
  if (!(error instanceof WalletError)) throw error;
  console.error(`${error.code}: ${error.message}${error.retriable ? ' (retriable)' : ''}`);
  process.exitCode = 1;
} finally {
  await client.close();
}
