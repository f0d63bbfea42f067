// Production mode (NODE_ENV=production, real secrets; hostile-production.test.ts): trusted
// documents (issue 14) with their production default `clients`: a caller with role client runs the
// SDK's manifest documents only, sent as text or by id, on HTTP, WebSocket and SSE; anything else
// is refused before any subgraph is fetched. Admins run any document, under every limit.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Fixture, Outcome, Row, Wire } from './harness';
import { authorizationOf, outcomeOfBody } from './harness';

interface ManifestOperation {
  readonly id: string;
  readonly name: string;
  readonly body: string;
}
const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../../sdk/persisted-query-manifest.json'), 'utf8')) as { operations: ManifestOperation[] };
function trusted(name: string): ManifestOperation {
  const operation = manifest.operations.find((candidate) => candidate.name === name);
  if (operation === undefined) throw new Error(`the SDK's manifest has no ${name} operation`);
  return operation;
}
const ACCOUNT = trusted('Account');
const CREATE_TRANSACTION = trusted('CreateTransaction');
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const byId = (id: string) => ({ persistedQuery: { version: 1, sha256Hash: id } });

/** A client's own query: not in the manifest. */
const OWN_QUERY = 'query Mine($id: ID!) { account(id: $id) { id client { name email } balance { amount } } }';
const ownQuery = (f: Fixture): Wire => ({ query: OWN_QUERY, variables: { id: f.owner.from } });
const ownQueryById = (f: Fixture): Wire => ({ query: '', variables: { id: f.owner.from }, extensions: byId(sha256(OWN_QUERY)) });
const ownSubscription = (f: Fixture): Wire => ({
  query: 'subscription Mine($id: ID!) { balanceUpdated(accountId: $id) { amount account { client { email } } } }',
  variables: { id: f.owner.from },
});
const ownTransfer = (f: Fixture): Wire => ({
  query: 'mutation Mine($input: CreateTransactionInput!) { createTransaction(input: $input) { id } }',
  variables: { input: { accountIdFrom: f.owner.from, accountIdTo: f.owner.to, amount: '1', idempotencyKey: randomUUID() } },
});
const trustedAccount = (f: Fixture): Wire => ({ query: ACCOUNT.body, variables: { id: f.owner.from } });
const trustedAccountById = (f: Fixture): Wire => ({ query: '', variables: { id: f.owner.from }, extensions: byId(ACCOUNT.id) });
const trustedTransfer = (f: Fixture): Wire => ({
  query: CREATE_TRANSACTION.body,
  variables: { input: { accountIdFrom: f.owner.from, accountIdTo: f.owner.to, amount: '0.01', idempotencyKey: randomUUID() } },
});

const notInList = { code: 'PERSISTED_QUERY_NOT_IN_LIST', message: /not a trusted document/ } as const;
const notFound = { code: 'PERSISTED_QUERY_NOT_FOUND' } as const;
const ran = { code: 'none', data: 'ok' } as const;

/** HTTP by id, the way Apollo's persisted-query link sends it (no `query` key at all). */
async function postById(f: Fixture, id: string, variables: Record<string, unknown>, caller: 'owner' | 'admin'): Promise<Outcome> {
  const response = await fetch(f.stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authorizationOf(f, caller) },
    body: JSON.stringify({ variables, extensions: byId(id) }),
  });
  return outcomeOfBody((await response.json()) as never, { status: response.status });
}

async function getQuery(f: Fixture, query: string, variables: Record<string, unknown>): Promise<Outcome> {
  const url = new URL(f.stack.url);
  url.searchParams.set('query', query);
  url.searchParams.set('variables', JSON.stringify(variables));
  const response = await fetch(url, { headers: authorizationOf(f, 'owner') });
  return outcomeOfBody((await response.json()) as never, { status: response.status });
}

async function postBatch(f: Fixture, operations: readonly Wire[]): Promise<Outcome> {
  const response = await fetch(f.stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authorizationOf(f, 'owner') },
    body: JSON.stringify(operations),
  });
  return outcomeOfBody((await response.json()) as never, { status: response.status });
}

/** An admin registers a document through APQ (admins may); a client naming it by id is still refused. */
async function launderedThroughApq(f: Fixture): Promise<Outcome> {
  const query = `query Laundered${randomUUID().replace(/-/g, '')}($id: ID!) { account(id: $id) { id client { email } } }`;
  const registration = await fetch(f.stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authorizationOf(f, 'admin') },
    body: JSON.stringify({ query, variables: { id: f.owner.from }, extensions: byId(sha256(query)) }),
  });
  if (registration.status !== 200) return { code: `the admin's APQ registration got ${registration.status}` };
  await registration.text();
  return postById(f, sha256(query), { id: f.owner.from }, 'owner');
}

const deepList = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

export const productionRows: readonly Row[] = [
  // A client's own documents: refused before anything is fetched, on every transport.
  {
    name: "trusted documents: a client's own query by text over HTTP",
    transport: 'http',
    request: ownQuery,
    expect: { status: 403, ...notInList },
    fetchesNothing: true,
  },
  {
    name: "trusted documents: a client's own mutation by text over HTTP",
    transport: 'http',
    request: ownTransfer,
    expect: { status: 403, ...notInList },
    changesNothing: true,
    fetchesNothing: true,
  },
  {
    name: "trusted documents: a client's own query by id over HTTP",
    transport: 'custom',
    run: (f) => postById(f, sha256(OWN_QUERY), { id: f.owner.from }, 'owner'),
    expect: { status: 404, ...notFound },
  },
  {
    name: "trusted documents: a client's own query by text over GET",
    transport: 'custom',
    run: (f) => getQuery(f, OWN_QUERY, { id: f.owner.from }),
    expect: { status: 403, ...notInList },
    fetchesNothing: true,
  },
  {
    name: "trusted documents: a batch holding a client's own document is refused whole",
    transport: 'custom',
    run: (f) => postBatch(f, [trustedAccount(f), ownQuery(f)]),
    expect: { status: 403, ...notInList },
    fetchesNothing: true,
  },
  {
    name: "trusted documents: a client's id an admin registered through APQ",
    transport: 'custom',
    run: launderedThroughApq,
    expect: { status: 404, ...notFound },
  },
  { name: "trusted documents: a client's own query by text over WebSocket", transport: 'ws', request: ownQuery, expect: notInList, fetchesNothing: true },
  { name: "trusted documents: a client's own query by id over WebSocket", transport: 'ws', request: ownQueryById, expect: notFound, fetchesNothing: true },
  {
    name: "trusted documents: a client's own mutation by text over WebSocket",
    transport: 'ws',
    request: ownTransfer,
    expect: notInList,
    changesNothing: true,
    fetchesNothing: true,
  },
  { name: "trusted documents: a client's own subscription over WebSocket", transport: 'ws', request: ownSubscription, expect: notInList, fetchesNothing: true },
  {
    name: "trusted documents: a client's own query by text over SSE",
    transport: 'sse',
    request: ownQuery,
    expect: { status: 403, ...notInList },
    fetchesNothing: true,
  },
  {
    name: "trusted documents: a client's own query by id over SSE",
    transport: 'sse',
    request: ownQueryById,
    expect: { status: 404, ...notFound },
    fetchesNothing: true,
  },
  {
    name: "trusted documents: a client's own mutation by text over SSE",
    transport: 'sse',
    request: ownTransfer,
    expect: { status: 403, ...notInList },
    changesNothing: true,
    fetchesNothing: true,
  },
  {
    name: "trusted documents: a client's own subscription over SSE",
    transport: 'sse',
    request: ownSubscription,
    expect: { status: 403, ...notInList },
    fetchesNothing: true,
  },
  {
    name: 'trusted documents: a trusted text with a byte changed is another document',
    transport: 'http',
    request: (f) => ({ ...trustedAccount(f), query: `${ACCOUNT.body} ` }),
    expect: { status: 403, ...notInList },
    fetchesNothing: true,
  },
  // Before Apollo parses anything: a client cannot have the gateway parse and validate 100 KB of
  // text it will refuse anyway (over HTTP this was GRAPHQL_PARSE_FAILED: parsed first).
  {
    name: 'trusted documents: garbage text is refused before it is parsed over HTTP',
    transport: 'http',
    request: () => ({ query: `{ ${'a { '.repeat(5_000)}b${' }'.repeat(5_000)} }` }),
    expect: { status: 403, ...notInList },
  },
  {
    name: 'trusted documents: garbage text is refused before it is parsed over WebSocket',
    transport: 'ws',
    request: () => ({ query: `{ ${'a { '.repeat(5_000)}b${' }'.repeat(5_000)} }` }),
    expect: notInList,
  },
  {
    name: 'trusted documents: garbage text is refused before it is parsed over SSE',
    transport: 'sse',
    request: () => ({ query: `{ ${'a { '.repeat(5_000)}b${' }'.repeat(5_000)} }` }),
    expect: { status: 403, ...notInList },
  },
  // The SDK's documents run for a client, by text and by id.
  { name: "trusted documents: the SDK's Account by text over HTTP", transport: 'http', request: trustedAccount, expect: { status: 200, ...ran } },
  {
    name: "trusted documents: the SDK's Account by id over HTTP",
    transport: 'custom',
    run: (f) => postById(f, ACCOUNT.id, { id: f.owner.from }, 'owner'),
    expect: { status: 200, ...ran },
  },
  { name: "trusted documents: the SDK's Account by id over WebSocket", transport: 'ws', request: trustedAccountById, expect: ran },
  { name: "trusted documents: the SDK's Account by id over SSE", transport: 'sse', request: trustedAccountById, expect: ran },
  { name: "trusted documents: the SDK's CreateTransaction by text over HTTP", transport: 'http', request: trustedTransfer, expect: { status: 200, ...ran } },
  {
    name: "trusted documents: the SDK's Account with an unknown operationName",
    transport: 'ws',
    request: (f) => ({ ...trustedAccount(f), operationName: 'Other' }),
    expect: { code: 'OPERATION_RESOLUTION_FAILURE' },
  },
  // Admins run any document, under every limit.
  { name: "trusted documents: an admin's own query over HTTP", transport: 'http', as: 'admin', request: ownQuery, expect: { status: 200, ...ran } },
  { name: "trusted documents: an admin's own query over WebSocket", transport: 'ws', as: 'admin', request: ownQuery, expect: ran },
  { name: "trusted documents: an admin's own query over SSE", transport: 'sse', as: 'admin', request: ownQuery, expect: ran },
  {
    name: "production: an admin's list-cost attack is still refused",
    transport: 'http',
    as: 'admin',
    request: (f) => ({
      query: `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: account(id: "${f.owner.from}") { transactions(first: 100) { edges { node { accountFrom { transactions(first: 100) { edges { cursor } } } } } } }`).join(' ')} }`,
    }),
    expect: { status: 400, code: 'COST_LIMIT_EXCEEDED' },
    fetchesNothing: true,
  },
  {
    name: 'production: introspection is off, for admins too',
    transport: 'http',
    as: 'admin',
    request: () => ({ query: '{ __schema { types { name } } }' }),
    expect: { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  },
  {
    name: "production: a variable nested 45,000 lists deep is the caller's mistake, not a masked 500",
    transport: 'http',
    as: 'admin',
    request: () => ({ query: OWN_QUERY, variablesJson: `{"id":${deepList(45_000)}}` }),
    expect: { status: 400, code: 'BAD_USER_INPUT' },
  },
  {
    name: 'production: the same over WebSocket',
    transport: 'ws',
    as: 'admin',
    request: () => ({ query: OWN_QUERY, variablesJson: `{"id":${deepList(45_000)}}` }),
    expect: { code: 'BAD_USER_INPUT' },
  },
];
