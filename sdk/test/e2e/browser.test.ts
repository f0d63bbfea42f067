// The SDK in a real browser (Chromium): its ESM build bundled for the page, served from another
// origin than the gateway's, with the browser's own fetch and WebSocket. The gateway lets that
// origin in with GATEWAY_CORS_ORIGINS; a page from any other origin gets no answer.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import type * as Sdk from '@walletgraph/sdk';
import { isLocalUrl, launchChromium } from '../../../gateway/test/browser';
import { adminToken, fundedAccounts, startStack, testClient, type Stack } from '../support';

/** What `/sdk.js` defines in the page (functions passed to page.evaluate run there, not here). */
type PageGlobals = { readonly WalletGraph?: typeof Sdk };

const sdkEntry = path.resolve(__dirname, '../../dist/esm/index.js');

/** A page server: `/` loads `/sdk.js`, the SDK bundled as the global `WalletGraph`. */
async function startPageServer(bundle: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    if (request.url === '/sdk.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      response.end(bundle);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><meta charset="utf-8"><title>sdk</title><script src="/sdk.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let stack: Stack;
let browser: Browser;
let allowed: { server: Server; origin: string };
let foreign: { server: Server; origin: string };

beforeAll(async () => {
  const bundled = await build({
    entryPoints: [sdkEntry],
    bundle: true,
    format: 'iife',
    globalName: 'WalletGraph',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const bundle = bundled.outputFiles[0]?.text ?? '';
  allowed = await startPageServer(bundle);
  foreign = await startPageServer(bundle);
  stack = await startStack({ gatewayEnv: { GATEWAY_CORS_ORIGINS: allowed.origin } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  for (const page of [allowed, foreign]) await new Promise<void>((resolve) => page?.server.close(() => resolve()));
});

async function openPage(origin: string): Promise<{ page: Page; errors: string[]; requested: string[] }> {
  const context = await browser.newContext();
  const requested: string[] = [];
  context.on('request', (request) => requested.push(request.url()));
  await context.route('**/*', (route) => (isLocalUrl(route.request().url()) ? route.continue() : route.abort()));
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(origin);
  await page.waitForFunction(() => typeof (globalThis as PageGlobals).WalletGraph?.createWalletClient === 'function');
  return { page, errors, requested };
}

describe('the SDK in Chromium', () => {
  it('transfers, reads typed errors and watches a balance from a page on an allowed origin', async () => {
    const accounts = await fundedAccounts(testClient(stack), '100.00');
    const { page, errors, requested } = await openPage(allowed.origin);
    const outcome = await page.evaluate(
      async ({ url, wsUrl, token, from, to }) => {
        const { createWalletClient, isRefusal, compareDecimal } = (globalThis as PageGlobals).WalletGraph as typeof Sdk;
        const wallet = createWalletClient({ url, wsUrl, token, retry: { attemptCountMax: 2, delayMsInitial: 10, delayMsMax: 20 } });
        const stream = wallet.onBalanceUpdated(to);
        // The subscription is live once the subgraph registered it: transfer until the first update.
        const first = stream.next();
        let update: Sdk.Balance | undefined;
        let transferId = '';
        for (let attempt = 0; attempt < 20 && update === undefined; attempt += 1) {
          transferId = (await wallet.transfer({ accountIdFrom: from, accountIdTo: to, amount: '1.00' })).id;
          const settled = await Promise.race([first, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1_500))]);
          if (settled !== undefined && settled.done !== true) update = settled.value;
        }
        const refusal = await wallet.transfer({ accountIdFrom: from, accountIdTo: to, amount: '1000000.00' }).then(
          () => undefined,
          (error: Sdk.WalletError) => ({ code: error.code, refusal: isRefusal(error), name: error.name }),
        );
        const account = await wallet.account(to);
        await wallet.close();
        return { transferId, update, refusal, positive: update === undefined ? false : compareDecimal(update.amount, '0') > 0, clientOfTo: account?.client.id };
      },
      { url: stack.url, wsUrl: stack.wsUrl, token: await adminToken(), from: accounts.from, to: accounts.to },
    );
    expect(errors).toEqual([]);
    expect(outcome.transferId).toMatch(/^[0-9a-f-]{36}$/);
    expect(outcome.update).toMatchObject({ accountId: accounts.to, amount: expect.stringMatching(/^\d+(\.\d+)?$/), version: expect.any(Number) });
    expect(outcome.positive).toBe(true);
    expect(outcome.refusal).toEqual({ code: 'INSUFFICIENT_FUNDS', refusal: true, name: 'WalletError' });
    expect(outcome.clientOfTo).toBe(accounts.clientId);
    // Everything went to the page's server or the gateway: nothing left the machine.
    expect(requested.filter((url) => !isLocalUrl(url))).toEqual([]);
    await page.context().close();
  });

  it('from an origin the gateway does not list, the browser withholds the answer: NETWORK_ERROR, not a refusal', async () => {
    const { page } = await openPage(foreign.origin);
    const outcome = await page.evaluate(
      async ({ url, token }) => {
        const { createWalletClient, isRefusal } = (globalThis as PageGlobals).WalletGraph as typeof Sdk;
        const wallet = createWalletClient({ url, token, retry: { attemptCountMax: 1 } });
        return wallet.client('00000000-0000-4000-8000-000000000000').then(
          () => 'answered',
          (error: Sdk.WalletError) => ({ code: error.code, refusal: isRefusal(error) }),
        );
      },
      { url: stack.url, token: await adminToken() },
    );
    expect(outcome).toEqual({ code: 'NETWORK_ERROR', refusal: false });
    await page.context().close();
  });
});
