// Lists have a cost (issue 14, item 4): the issue's 5 KB query (30 aliases of a page of 100
// transactions, each with its sender's page of 100; 18 MB and 263,400 nodes before) and every way
// of writing it again: fragments, inline fragments, aliases on the nested list, `first` as a
// variable (as a JSON exponent too, or left to the operation's default), a huge `first`, lists
// without slicing arguments, conditions on variables, and as a subscription's events. Each is
// refused with COST_LIMIT_EXCEEDED by the gateway's estimate, before any subgraph is fetched.
import type { Fixture, Row, Wire } from './harness';

/** account → transactions(first) → accountFrom → transactions(first): 2 + n × (4 + n × 2) per alias, with `id amount` below. */
const NESTED = (first: string) =>
  `transactions(first: ${first}) { edges { node { accountFrom { transactions(first: ${first}) { edges { node { id amount } } } } } } }`;
const ISSUE_QUERY_COST = 30 * (2 + 100 * (4 + 100 * 2));
const aliased = (count: number, body: (i: number) => string): string => Array.from({ length: count }, (_, i) => body(i)).join(' ');

const issueQuery = (f: Fixture): Wire => ({ query: `{ ${aliased(30, (i) => `a${i}: account(id: "${f.owner.from}") { ${NESTED('100')} }`)} }` });
const throughFragment = (f: Fixture): Wire => ({
  query: `fragment Sender on Transaction { accountFrom { transactions(first: 100) { edges { node { id amount } } } } } { ${aliased(30, (i) => `a${i}: account(id: "${f.owner.from}") { transactions(first: 100) { edges { node { ...Sender } } } }`)} }`,
});
const throughInlineFragments = (f: Fixture): Wire => ({
  query: `{ ${aliased(30, (i) => `a${i}: account(id: "${f.owner.from}") { ... on Account { transactions(first: 100) { edges { ... { node { ... on Transaction { accountFrom { transactions(first: 100) { edges { node { id amount } } } } } } } } } } }`)} }`,
});
/** One account, the nested page aliased 29 times: 1 + 29 × (1 + 100 × (4 + 100)). */
const aliasesOnTheNestedList = (f: Fixture): Wire => ({
  query: `{ account(id: "${f.owner.from}") { ${aliased(29, (i) => `t${i}: transactions(first: 100) { edges { node { accountFrom { transactions(first: 100) { edges { cursor } } } } } }`)} } }`,
});
/** account 1 + connection 1 + n × (edge 1 + node 1 + accountFrom 1 + connection 1 + n × edge 1): 10402 for n = 100. */
const FIRST_AS_VARIABLE =
  'query($id: ID!, $n: Int) { account(id: $id) { transactions(first: $n) { edges { node { accountFrom { transactions(first: $n) { edges { cursor } } } } } } } }';
const firstAsJson =
  (json: string) =>
  (f: Fixture): Wire => ({ query: FIRST_AS_VARIABLE, variablesJson: `{"id":"${f.owner.from}","n":${json}}` });
const refused = (estimatedCost: number) => ({
  status: 400,
  code: 'COST_LIMIT_EXCEEDED',
  message: new RegExp(`estimated cost of ${estimatedCost}; the maximum is 5000`),
});
const refusedWs = (estimatedCost: number) => ({ code: 'COST_LIMIT_EXCEEDED', message: new RegExp(`estimated cost of ${estimatedCost}; the maximum is 5000`) });
/** Per event: balance 1 + account 1 + connection 1 + 100 × (edge 1 + node 1 + accountFrom 1 + connection 1 + 100 × edge 1). */
const SUBSCRIPTION_EVENT_COST = 3 + 100 * (4 + 100);
const nestedSubscription = (f: Fixture): Wire => ({
  query:
    'subscription($id: ID!, $n: Int) { balanceUpdated(accountId: $id) { account { transactions(first: $n) { edges { node { accountFrom { transactions(first: $n) { edges { cursor } } } } } } } } }',
  variablesJson: `{"id":"${f.owner.to}","n":1e2}`,
});

export const costRows: readonly Row[] = [
  {
    name: "list cost: the issue's query (30 aliases × first: 100 × first: 100)",
    transport: 'http',
    request: issueQuery,
    expect: refused(ISSUE_QUERY_COST),
    fetchesNothing: true,
  },
  {
    name: "list cost: the issue's query through a named fragment",
    transport: 'http',
    request: throughFragment,
    expect: refused(ISSUE_QUERY_COST),
    fetchesNothing: true,
  },
  {
    name: "list cost: the issue's query through inline fragments",
    transport: 'http',
    request: throughInlineFragments,
    expect: refused(ISSUE_QUERY_COST),
    fetchesNothing: true,
  },
  {
    name: 'list cost: aliases on the nested list',
    transport: 'http',
    request: aliasesOnTheNestedList,
    expect: refused(1 + 29 * (1 + 100 * (4 + 100))),
    fetchesNothing: true,
  },
  { name: 'list cost: first as a variable (100)', transport: 'http', request: firstAsJson('100'), expect: refused(10402), fetchesNothing: true },
  {
    name: 'list cost: first as a JSON exponent (1e2) counts as 100',
    transport: 'http',
    request: firstAsJson('1e2'),
    expect: refused(10402),
    fetchesNothing: true,
  },
  {
    name: 'list cost: first as a JSON fraction (100.0) counts as 100',
    transport: 'http',
    request: firstAsJson('100.0'),
    expect: refused(10402),
    fetchesNothing: true,
  },
  {
    name: "list cost: first left to the operation's default ($n: Int = 100)",
    transport: 'http',
    request: (f) => ({ query: FIRST_AS_VARIABLE.replace('$n: Int', '$n: Int = 100'), variables: { id: f.owner.from } }),
    expect: refused(10402),
    fetchesNothing: true,
  },
  {
    name: 'list cost: a huge first literal (Int max)',
    transport: 'http',
    request: (f) => ({ query: `{ account(id: "${f.owner.from}") { transactions(first: 2147483647) { edges { cursor } } } }` }),
    expect: refused(2 + 2147483647),
    fetchesNothing: true,
  },
  {
    name: 'list cost: a huge first variable (1,000,000)',
    transport: 'http',
    request: firstAsJson('1000000'),
    expect: { status: 400, code: 'COST_LIMIT_EXCEEDED' },
    fetchesNothing: true,
  },
  {
    name: 'list cost: lists without slicing arguments take their assumed size',
    transport: 'http',
    request: (f) => ({
      query: `{ ${aliased(30, (i) => `a${i}: account(id: "${f.owner.from}") { transactions { edges { node { accountFrom { transactions { edges { node { accountTo { transactions { edges { cursor } } } } } } } } } } }`)} }`,
    }),
    expect: { status: 400, code: 'COST_LIMIT_EXCEEDED' },
    fetchesNothing: true,
  },
  {
    name: 'list cost: a heavy part under @include(if: $variable) counts as selected',
    transport: 'http',
    request: (f) => ({
      query: `query($id: ID!, $yes: Boolean!) { account(id: $id) { ${NESTED('100').replace('transactions(first: 100)', 'transactions(first: 100) @include(if: $yes)')} } }`,
      variables: { id: f.owner.from, yes: false },
    }),
    expect: { status: 400, code: 'COST_LIMIT_EXCEEDED' },
    fetchesNothing: true,
  },
  // A negative page cannot multiply anything: the wallet subgraph refuses it with its own code.
  {
    name: 'list cost: first: -1 is refused, not served',
    transport: 'http',
    request: (f) => ({
      query: `{ account(id: "${f.owner.from}") { transactions(first: -1) { edges { node { accountFrom { transactions(first: 100) { edges { cursor } } } } } } } }`,
    }),
    expect: { status: 200, code: 'BAD_USER_INPUT', message: /first must be between 1 and 100/, data: 'null' },
  },
  { name: "list cost: the issue's query over WebSocket", transport: 'ws', request: issueQuery, expect: refusedWs(ISSUE_QUERY_COST), fetchesNothing: true },
  { name: "list cost: the issue's query over SSE", transport: 'sse', request: issueQuery, expect: refusedWs(ISSUE_QUERY_COST), fetchesNothing: true },
  { name: 'list cost: first as a JSON exponent over WebSocket', transport: 'ws', request: firstAsJson('1e2'), expect: refusedWs(10402), fetchesNothing: true },
  {
    name: "list cost: a subscription's nested lists, per event, over WebSocket",
    transport: 'ws',
    request: nestedSubscription,
    expect: refusedWs(SUBSCRIPTION_EVENT_COST),
    fetchesNothing: true,
  },
  {
    name: "list cost: a subscription's nested lists, per event, over SSE",
    transport: 'sse',
    request: nestedSubscription,
    expect: { status: 400, ...refusedWs(SUBSCRIPTION_EVENT_COST) },
    fetchesNothing: true,
  },
];
