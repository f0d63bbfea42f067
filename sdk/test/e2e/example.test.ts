// The README's example script, run as a user would: the built package, against a live gateway.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { WalletClient } from '@walletgraph/sdk';
import { adminToken, fundedAccounts, startStack, testClient, type Stack } from '../support';

const run = promisify(execFile);
const sdkDir = path.resolve(__dirname, '../..');

let stack: Stack;
let client: WalletClient;
beforeAll(async () => {
  stack = await startStack();
  client = testClient(stack);
});
afterAll(async () => {
  await client?.close();
  await stack?.stop();
});

test('examples/transfer-and-watch.mjs transfers and prints the live balance', async () => {
  expect(existsSync(path.join(sdkDir, 'dist/esm/index.js')) ? 'built' : 'run `npm run build -w @walletgraph/sdk` first').toBe('built');
  const { from, to } = await fundedAccounts(client, '10.00');
  const { stdout } = await run(
    process.execPath,
    [
      'examples/transfer-and-watch.mjs',
      '--url',
      stack.url,
      '--from',
      from,
      '--to',
      to,
      '--amount',
      '2.50',
      '--watch-ms',
      '6000',
      '--token',
      await adminToken(),
    ],
    { cwd: sdkDir },
  );
  expect(stdout).toMatch(new RegExp(`^transfer [0-9a-f-]{36}: 2\\.50 from ${from} to ${to}$`, 'm'));
  expect(stdout).toMatch(new RegExp(`^balance ${to}: 2\\.50 \\(version \\d+\\)$`, 'm'));
});
