import type { Browser } from 'playwright-core';
import { adminAuthorization } from './auth';
import { isLocalUrl as isLocal, launchChromium } from './browser';
import { startStack, type Stack } from './stack';

let stack: Stack;
let browser: Browser;
beforeAll(async () => {
  // Dev mode: the page starts with an admin token in its headers editor.
  stack = await startStack({ gatewayEnv: { WALLETGRAPH_DEV_MODE: 'true' } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the playground', () => {
  it('loads from the gateway alone, runs a query and shows the result and the schema docs', async () => {
    const context = await browser.newContext();
    const requested: string[] = [];
    context.on('request', (request) => requested.push(request.url()));
    // Anything leaving localhost is recorded above and refused here, so the page cannot depend on it.
    await context.route('**/*', (route) => (isLocal(route.request().url()) ? route.continue() : route.abort()));
    const page = await context.newPage();
    page.on('websocket', (socket) => requested.push(socket.url()));
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    const response = await page.goto(stack.url);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/text\/html/);

    await page.locator('.graphiql-execute-button').waitFor({ timeout: 30_000 });
    // The editor shows the default query once Monaco and its workers are up.
    await page.locator('.graphiql-query-editor .monaco-editor').waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-execute-button').click();
    await page.locator('.graphiql-response').getByText('"Lucas"').waitFor({ timeout: 30_000 });

    await page.getByRole('button', { name: /documentation explorer/i }).click();
    await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().waitFor({ timeout: 15_000 });

    expect(pageErrors).toEqual([]);
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => !isLocal(url))).toEqual([]);
    expect(requested.some((url) => url.endsWith('.worker.js'))).toBe(true);
    await context.close();
  });

  it('leaves GraphQL clients alone: GET /graphql without text/html is a GraphQL request', async () => {
    const response = await fetch(`${stack.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true', authorization: await adminAuthorization() },
    });
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
