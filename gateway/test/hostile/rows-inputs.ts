// Inputs a caller gets wrong on purpose: money as floats and exponents (issue 14 item 5), wrong
// types (item 6), text that is not valid Unicode (item 9), emails that differ only by accent
// (item 8). Each refused mutation must change nothing.
import { randomUUID } from 'node:crypto';
import type { Fixture, Row, Wire } from './harness';
import { authorizationOf, outcomeOfBody } from './harness';

const DEPOSIT = 'mutation($input: DepositInput!) { deposit(input: $input) { id } }';
const TRANSFER = 'mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { id amount } }';
const CREATE_CLIENT = 'mutation($input: CreateClientInput!) { createClient(input: $input) { id name email } }';
const BALANCE_UPDATED = 'subscription($id: ID!) { balanceUpdated(accountId: $id) { amount } }';

/** A deposit (admin) whose amount is written into the document as `literal`. */
const depositLiteral =
  (literal: string) =>
  (f: Fixture): Wire => ({
    query: `mutation { deposit(input: { accountId: "${f.owner.from}", amount: ${literal}, idempotencyKey: "${randomUUID()}" }) { id } }`,
  });
/** A deposit (admin) whose amount is the JSON text `json`, sent verbatim in the variables. */
const depositJson =
  (json: string) =>
  (f: Fixture): Wire => ({
    query: DEPOSIT,
    variablesJson: `{"input":{"accountId":"${f.owner.from}","amount":${json},"idempotencyKey":"${randomUUID()}"}}`,
  });
const transferJson =
  (json: string) =>
  (f: Fixture): Wire => ({
    query: TRANSFER,
    variablesJson: `{"input":{"accountIdFrom":"${f.owner.from}","accountIdTo":"${f.owner.to}","amount":${json},"idempotencyKey":"${randomUUID()}"}}`,
  });
const createClient =
  (name: string, email: (f: Fixture) => string) =>
  (f: Fixture): Wire => ({ query: CREATE_CLIENT, variables: { input: { name, email: email(f) } } });

const refusedInput = { status: 400, code: 'BAD_USER_INPUT' } as const;
/** `depth` JSON lists, one inside the other, around nothing. */
const deepList = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const sendAString = /send amounts as strings/;

const moneyRows: Row[] = [
  ...['0.10000000000000001', '1.00000000000000001', '1.5e2', '1E0', '0.5'].map((literal): Row => ({
    name: `float literal amount: ${literal}`,
    transport: 'http',
    as: 'admin',
    request: depositLiteral(literal),
    expect: { ...refusedInput, message: sendAString },
    changesNothing: true,
  })),
  ...['"1.5e2"', '"1E0"', '"0x10"', '" "'].map((literal): Row => ({
    name: `exponent or non-decimal string literal: ${literal}`,
    transport: 'http',
    as: 'admin',
    request: depositLiteral(literal),
    expect: { ...refusedInput, message: /not a plain decimal/ },
    changesNothing: true,
  })),
  ...['0.10000000000000001', '1.00000000000000001', '1.5e2', '1E0', '0.1', '1.0', '9007199254740993'].map((json): Row => ({
    name: `JSON number amount: ${json}`,
    transport: 'http',
    as: 'admin',
    request: depositJson(json),
    expect: { ...refusedInput, message: sendAString },
    changesNothing: true,
  })),
  {
    name: 'JSON exponent string amount: "1.5e2"',
    transport: 'http',
    as: 'admin',
    request: depositJson('"1.5e2"'),
    expect: { ...refusedInput, message: /not a plain decimal/ },
    changesNothing: true,
  },
  {
    name: 'transfer with JSON number 1.00000000000000001',
    transport: 'http',
    request: transferJson('1.00000000000000001'),
    expect: { ...refusedInput, message: sendAString },
    changesNothing: true,
  },
  {
    name: 'JSON number amount over WebSocket: 1.00000000000000001',
    transport: 'ws',
    as: 'admin',
    request: depositJson('1.00000000000000001'),
    expect: { code: 'BAD_USER_INPUT', message: sendAString },
    changesNothing: true,
  },
  {
    name: 'JSON number amount over SSE: 1.5e2',
    transport: 'sse',
    as: 'admin',
    request: depositJson('1.5e2'),
    expect: { code: 'BAD_USER_INPUT', message: sendAString },
    changesNothing: true,
  },
  {
    name: 'float literal amount over WebSocket: 0.10000000000000001',
    transport: 'ws',
    as: 'admin',
    request: depositLiteral('0.10000000000000001'),
    expect: { code: 'BAD_USER_INPUT', message: sendAString },
    changesNothing: true,
  },
  {
    name: 'JSON number in the variables of a GET request: 1.5e2',
    transport: 'custom',
    run: async (f) => {
      const url = new URL(f.stack.url);
      url.searchParams.set('query', 'query($id: ID!) { account(id: $id) { id } }');
      url.searchParams.set('variables', `{"id":"${f.owner.from}","n":1.5e2}`);
      const response = await fetch(url, { headers: { ...authorizationOf(f, 'owner'), 'apollo-require-preflight': 'true' } });
      return outcomeOfBody((await response.json()) as never, { status: response.status });
    },
    expect: { ...refusedInput, message: /plain integers/ },
  },
  // The exact forms stay accepted (and move money): amounts as strings, exact integers.
  {
    name: 'control: string amount "0.10" is accepted',
    transport: 'http',
    as: 'admin',
    request: depositJson('"0.10"'),
    expect: { status: 200, code: 'none', data: 'ok' },
  },
  {
    name: 'control: Int literal amount 5 is accepted',
    transport: 'http',
    as: 'admin',
    request: depositLiteral('5'),
    expect: { status: 200, code: 'none', data: 'ok' },
  },
  {
    name: 'control: JSON integer amount 5 is accepted',
    transport: 'http',
    as: 'admin',
    request: depositJson('5'),
    expect: { status: 200, code: 'none', data: 'ok' },
  },
  {
    name: 'control: JSON number 20.0 for an Int (first) is still a number',
    transport: 'http',
    request: (f) => ({
      query: 'query($id: ID!, $n: Int) { account(id: $id) { transactions(first: $n) { edges { cursor } } } }',
      variablesJson: `{"id":"${f.owner.from}","n":2e1}`,
    }),
    expect: { status: 200, code: 'none', data: 'ok' },
  },
];

const wrongTypeRows: Row[] = [
  ...['true', '[5]', '{}', 'null', '"abc"'].map((literal): Row => ({
    name: `wrong-typed amount literal: ${literal}`,
    transport: 'http',
    as: 'admin',
    request: depositLiteral(literal),
    expect: { status: 400, code: literal === 'null' ? 'GRAPHQL_VALIDATION_FAILED' : 'BAD_USER_INPUT' },
    changesNothing: true,
  })),
  ...['true', '[5]', '{}', 'null', '"abc"', '-1'].map((json): Row => ({
    name: `wrong-typed amount variable: ${json}`,
    transport: 'http',
    as: 'admin',
    request: depositJson(json),
    expect: { status: json === '-1' ? 200 : 400, code: 'BAD_USER_INPUT' },
    changesNothing: true,
  })),
  {
    name: 'wrong-typed accountIdFrom variable: true',
    transport: 'http',
    request: (f) => ({ query: TRANSFER, variables: { input: { accountIdFrom: true, accountIdTo: f.owner.to, amount: '1', idempotencyKey: randomUUID() } } }),
    expect: refusedInput,
    changesNothing: true,
  },
  {
    name: 'wrong-typed idempotencyKey variable: 5',
    transport: 'http',
    request: (f) => ({ query: TRANSFER, variables: { input: { accountIdFrom: f.owner.from, accountIdTo: f.owner.to, amount: '1', idempotencyKey: 5 } } }),
    expect: refusedInput,
    changesNothing: true,
  },
  {
    name: 'wrong-typed input variable: 5',
    transport: 'http',
    request: () => ({ query: TRANSFER, variables: { input: 5 } }),
    expect: refusedInput,
    changesNothing: true,
  },
  {
    name: 'unknown input field',
    transport: 'http',
    request: (f) => ({
      query: TRANSFER,
      variables: { input: { accountIdFrom: f.owner.from, accountIdTo: f.owner.to, amount: '1', idempotencyKey: randomUUID(), fee: '0' } },
    }),
    expect: refusedInput,
    changesNothing: true,
  },
  {
    name: 'wrong-typed amount variable over WebSocket: true',
    transport: 'ws',
    as: 'admin',
    request: depositJson('true'),
    expect: { code: 'BAD_USER_INPUT' },
    changesNothing: true,
  },
  {
    name: 'wrong-typed amount literal over WebSocket: [5]',
    transport: 'ws',
    as: 'admin',
    request: depositLiteral('[5]'),
    expect: { code: 'BAD_USER_INPUT' },
    changesNothing: true,
  },
  {
    name: 'wrong-typed amount variable over SSE: {}',
    transport: 'sse',
    as: 'admin',
    request: depositJson('{}'),
    expect: { code: 'BAD_USER_INPUT' },
    changesNothing: true,
  },
  // Subscription arguments: checked before anything is planned or opened upstream.
  {
    name: 'subscription argument variable over WebSocket: [5]',
    transport: 'ws',
    request: () => ({ query: BALANCE_UPDATED, variablesJson: '{"id":[5]}' }),
    expect: { code: 'BAD_USER_INPUT' },
  },
  {
    name: 'subscription argument variable over WebSocket: true',
    transport: 'ws',
    request: () => ({ query: BALANCE_UPDATED, variablesJson: '{"id":true}' }),
    expect: { code: 'BAD_USER_INPUT' },
  },
  {
    name: 'subscription argument variable missing over WebSocket',
    transport: 'ws',
    request: () => ({ query: BALANCE_UPDATED, variablesJson: '{}' }),
    expect: { code: 'BAD_USER_INPUT' },
  },
  {
    name: 'subscription argument variable over SSE: {}',
    transport: 'sse',
    request: () => ({ query: BALANCE_UPDATED, variablesJson: '{"id":{}}' }),
    expect: { status: 400, code: 'BAD_USER_INPUT' },
  },
  {
    name: 'subscription argument literal over WebSocket: true',
    transport: 'ws',
    request: () => ({ query: 'subscription { balanceUpdated(accountId: true) { amount } }' }),
    expect: { code: 'GRAPHQL_VALIDATION_FAILED' },
  },
  {
    name: 'subscription argument literal over SSE: 1.5',
    transport: 'sse',
    request: () => ({ query: 'subscription { balanceUpdated(accountId: 1.5) { amount } }' }),
    expect: { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  },
  // A value nested far deeper than any input type (45,000 lists: 90 KB, under the body limit)
  // overflowed the stack of the gateway's variable walk: HTTP 500, SSE 500, WebSocket closed 4500.
  {
    name: 'a variable nested 45,000 lists deep over HTTP',
    transport: 'http',
    request: () => ({ query: 'query($id: ID!) { account(id: $id) { id } }', variablesJson: `{"id":${deepList(45_000)}}` }),
    expect: { ...refusedInput, message: /nested deeper than/ },
  },
  {
    name: 'an amount nested 45,000 lists deep over HTTP',
    transport: 'http',
    as: 'admin',
    request: depositJson(deepList(45_000)),
    expect: refusedInput,
    changesNothing: true,
  },
  {
    name: 'an amount nested 45,000 lists deep over WebSocket',
    transport: 'ws',
    as: 'admin',
    request: depositJson(deepList(45_000)),
    expect: { code: 'BAD_USER_INPUT' },
    changesNothing: true,
  },
  {
    name: 'an amount nested 45,000 lists deep over SSE',
    transport: 'sse',
    as: 'admin',
    request: depositJson(deepList(45_000)),
    expect: refusedInput,
    changesNothing: true,
  },
  {
    name: 'a subscription argument nested 45,000 lists deep over WebSocket',
    transport: 'ws',
    request: () => ({ query: BALANCE_UPDATED, variablesJson: `{"id":${deepList(45_000)}}` }),
    expect: { code: 'BAD_USER_INPUT' },
  },
];

const LONE = '\ud800';
const textRows: Row[] = [
  {
    name: 'lone surrogate in a client name',
    transport: 'http',
    as: 'admin',
    request: createClient(`Mallory${LONE}`, (f) => `mallory@${f.emailDomain}`),
    expect: { ...refusedInput, message: /lone surrogate/ },
    changesNothing: true,
  },
  {
    name: 'lone surrogate in an email',
    transport: 'http',
    as: 'admin',
    request: createClient('Mallory', (f) => `mal${LONE}lory@${f.emailDomain}`),
    expect: { ...refusedInput, message: /lone surrogate/ },
    changesNothing: true,
  },
  {
    name: 'lone (low) surrogate in an idempotency key',
    transport: 'http',
    request: (f) => ({
      query: TRANSFER,
      variables: { input: { accountIdFrom: f.owner.from, accountIdTo: f.owner.to, amount: '1', idempotencyKey: `key-\udc00` } },
    }),
    expect: { ...refusedInput, message: /lone surrogate/ },
    changesNothing: true,
  },
  {
    name: 'lone surrogate in a client name over WebSocket',
    transport: 'ws',
    as: 'admin',
    request: createClient(`Mallory${LONE}`, (f) => `mallory@${f.emailDomain}`),
    expect: { code: 'BAD_USER_INPUT', message: /lone surrogate/ },
    changesNothing: true,
  },
  {
    name: 'lone surrogate in a client name over SSE',
    transport: 'sse',
    as: 'admin',
    request: createClient(`Mallory${LONE}`, (f) => `mallory@${f.emailDomain}`),
    expect: { code: 'BAD_USER_INPUT', message: /lone surrogate/ },
    changesNothing: true,
  },
  {
    name: 'lone surrogate inside a string literal of the document',
    transport: 'http',
    as: 'admin',
    request: (f) => ({ query: `mutation { createClient(input: { name: "Mallory${LONE}", email: "mallory@${f.emailDomain}" }) { id } }` }),
    expect: { status: 400, code: 'GRAPHQL_PARSE_FAILED' },
    changesNothing: true,
  },
  {
    name: 'control: a name outside the BMP (a surrogate pair) is accepted',
    transport: 'http',
    as: 'admin',
    request: createClient('Ana 😀', (f) => `ana-${randomUUID().slice(0, 8)}@${f.emailDomain}`),
    expect: { status: 200, code: 'none', data: 'ok' },
  },
];

/** Signs up `first`, then `second`, both under the row's own domain; the outcome is the second's. */
const signUpAfter = (first: string, second: string) => async (f: Fixture) => {
  const suffix = randomUUID().slice(0, 8);
  const email = (local: string) => `${local}-${suffix}@${f.emailDomain}`;
  const send = async (address: string) => {
    const response = await fetch(f.stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authorizationOf(f, 'admin') },
      body: JSON.stringify({ query: CREATE_CLIENT, variables: { input: { name: 'Sign-up', email: address } } }),
    });
    return outcomeOfBody((await response.json()) as never, { status: response.status });
  };
  const firstOutcome = await send(email(first));
  if (firstOutcome.code !== 'none') return { ...firstOutcome, code: `first sign-up failed: ${firstOutcome.code ?? ''}` };
  return send(email(second));
};

const emailRows: Row[] = [
  {
    name: 'an accent-only different email is another address (lücas after lucas)',
    transport: 'custom',
    run: signUpAfter('lucas', 'lücas'),
    expect: { code: 'none', data: 'ok' },
  },
  {
    name: 'an accent-only different email is another address (lucas after lúcas: no blocking a sign-up)',
    transport: 'custom',
    run: signUpAfter('lúcas', 'lucas'),
    expect: { code: 'none', data: 'ok' },
  },
  { name: 'the same email in capitals is a duplicate', transport: 'custom', run: signUpAfter('lücas', 'LÜCAS'), expect: { code: 'CONFLICT' } },
  {
    name: 'the same email decomposed (u + combining diaeresis) is a duplicate',
    transport: 'custom',
    run: signUpAfter('lücas', 'lu\u0308cas'),
    expect: { code: 'CONFLICT' },
  },
];

export const inputRows: readonly Row[] = [...moneyRows, ...wrongTypeRows, ...textRows, ...emailRows];
