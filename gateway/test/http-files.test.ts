// The `.http` files in requests/ (VS Code REST Client, JetBrains HTTP Client) are documentation a
// user runs; this suite runs every request in them against the real stack, so they cannot rot.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { adminToken } from './auth';
import { createFundedAccounts } from './fixtures';
import { startStack, type Stack } from './stack';
import { walletAs } from './wallet-client';

const requestsDir = path.resolve(__dirname, '../../requests');

interface HttpFileRequest {
  readonly title: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

/** The subset of the .http format both editors share: `@name = value`, `###` blocks, `{{name}}`. */
function parseHttpFile(text: string): { variables: Record<string, string>; requests: HttpFileRequest[] } {
  const variables: Record<string, string> = {};
  const requests: HttpFileRequest[] = [];
  const blocks = text.split(/^###/m);
  for (const line of (blocks[0] ?? '').split('\n')) {
    const match = /^@(\w+)\s*=\s*(.*)$/.exec(line.trim());
    if (match !== null) variables[match[1] as string] = (match[2] as string).trim();
  }
  for (const block of blocks.slice(1)) {
    const lines = block.split('\n');
    const title = (lines.shift() ?? '').trim();
    const content = lines.filter((line) => !/^\s*(#|\/\/)/.test(line));
    while (content.length > 0 && (content[0] as string).trim() === '') content.shift();
    const [method, url] = (content.shift() ?? '').trim().split(/\s+/);
    const headers: Record<string, string> = {};
    while (content.length > 0 && (content[0] as string).trim() !== '') {
      const header = content.shift() as string;
      const colon = header.indexOf(':');
      headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    }
    const body = content.join('\n').trim();
    requests.push({ title, method: method as string, url: url as string, headers, body: body === '' ? undefined : body });
  }
  return { variables, requests };
}

function substitute(text: string, variables: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    const value = variables[name];
    if (value === undefined) throw new Error(`unknown variable ${whole}`);
    return substitute(value, variables);
  });
}

async function send(request: HttpFileRequest, variables: Record<string, string>): Promise<{ status: number; json: unknown }> {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, substitute(value, variables)]));
  const response = await fetch(substitute(request.url, variables), {
    method: request.method,
    headers,
    ...(request.body === undefined ? {} : { body: substitute(request.body, variables) }),
  });
  return { status: response.status, json: await response.json() };
}

let stack: Stack;
let overrides: Record<string, string>;

beforeAll(async () => {
  // As `npm start` runs it: the old REST routes open (dev mode); GraphQL always needs a token.
  stack = await startStack({ walletEnv: { WALLETGRAPH_DEV_MODE: 'true' }, balanceEnv: { WALLETGRAPH_DEV_MODE: 'true' } });
  const token = await adminToken();
  const admin = walletAs(stack, token);
  // Fresh accounts stand in for the seed's Lucas and Samuca, so other suites' seed balances stay put.
  const lucas = await createFundedAccounts(admin);
  await admin.close();
  overrides = {
    gateway: stack.url,
    walletcore: stack.wallet.restUrl,
    msBalance: stack.balance.restUrl,
    token,
    email: `${randomUUID()}@example.com`,
    lucasClient: lucas.clientId,
    lucasAccount: lucas.from,
    samucaAccount: lucas.to,
  };
});
afterAll(() => stack?.stop());

function requestsOf(file: string): Array<[string, HttpFileRequest, Record<string, string>]> {
  const { variables, requests } = parseHttpFile(readFileSync(path.join(requestsDir, file), 'utf8'));
  return requests.map((request) => [request.title, request, variables]);
}

it('requests/ holds the three files the README names', () => {
  expect(readdirSync(requestsDir).sort()).toEqual(['graphql.http', 'ms-balance.http', 'walletcore.http']);
});

describe.each(['walletcore.http', 'graphql.http', 'ms-balance.http'])('%s', (file) => {
  it('names every variable it uses', () => {
    const { variables, requests } = parseHttpFile(readFileSync(path.join(requestsDir, file), 'utf8'));
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) expect(() => substitute(JSON.stringify(request), variables)).not.toThrow();
  });

  it('every request succeeds against the real stack', async () => {
    for (const [title, request, variables] of requestsOf(file)) {
      const result = await send(request, { ...variables, ...overrides });
      expect({ title, ok: result.status >= 200 && result.status < 300 }).toEqual({ title, ok: true });
      expect({ title, errors: (result.json as { errors?: unknown }).errors }).toEqual({ title, errors: undefined });
    }
  });
});

it('the balance route sees the transfer made through the REST file (read model fed by Kafka)', async () => {
  const [, read, variables] = requestsOf('ms-balance.http')[0] as [string, HttpFileRequest, Record<string, string>];
  // 1000 deposited; walletcore.http sends 5 and graphql.http 5: the read model reaches 990.
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { json } = await send(read, { ...variables, ...overrides });
    if ((json as { amount?: number }).amount === 990) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the balance never reached 990');
});
