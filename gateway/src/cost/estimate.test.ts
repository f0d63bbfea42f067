import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { Kind, parse, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { composeSupergraph, supergraphFile } from '../supergraph/compose';
import { actualCost, compileCost, estimatedCost, type Variables } from './estimate';
import { DEFAULT_LIST_SIZE } from './demand-control';
import { readSchemaCosts } from './schema-costs';

function costModel(supergraphSdl: string) {
  const supergraph = Supergraph.build(supergraphSdl);
  const apiSchema = supergraph.apiSchema().toGraphQLJSSchema();
  const costs = readSchemaCosts(supergraph.schema);
  const compile = (source: string | DocumentNode) => {
    const document = typeof source === 'string' ? parse(source) : source;
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (operation === undefined) throw new Error('no operation');
    return compileCost(apiSchema, costs, document, operation, DEFAULT_LIST_SIZE);
  };
  return {
    apiSchema,
    costs,
    estimate: (source: string | DocumentNode, variables: Variables = {}) => estimatedCost(compile(source), variables, costs),
    actual: (source: string, data: unknown, variables: Variables = {}) => actualCost(compile(source), data, variables, costs),
  };
}

/**
 * Apollo Router's own fixture (custom_cost_schema / custom_cost_query): the same numbers prove the
 * same algorithm (weights on fields, arguments, enums, scalars, objects, input fields; assumed and
 * sliced list sizes; sized fields; estimated 127, actual 125).
 */
describe('cost analysis, against the Apollo Router fixture', () => {
  const subgraph = `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@cost", "@listSize"])
    enum AorB @cost(weight: 15) { A B }
    scalar ExpensiveInt @cost(weight: 30)
    type ExpensiveObject @cost(weight: 40) { id: ID }
    input InputTypeWithCost { somethingWithCost: Int @cost(weight: 20) }
    type A { id: ID }
    type SizedField { items: [A] }
    type Query {
      fieldWithCost: Int @cost(weight: 5)
      argWithCost(arg: Int @cost(weight: 10)): Int
      enumWithCost: AorB
      inputWithCost(someInput: InputTypeWithCost): Int
      scalarWithCost: ExpensiveInt
      objectWithCost: ExpensiveObject
      fieldWithListSize: [String!] @listSize(assumedSize: 2000, requireOneSlicingArgument: false)
      fieldWithDynamicListSize(first: Int = 10): SizedField @listSize(slicingArguments: ["first"], sizedFields: ["items"], requireOneSlicingArgument: true)
      itemsByIds(ids: [ID!]): [A] @listSize(assumedSize: 50)
      plainList: [A]
    }`;
  const model = costModel(composeSupergraph([{ name: 'costs', sdl: subgraph }]));
  const query = `
    fragment Items on SizedField { items { id } }
    { fieldWithCost argWithCost(arg: 3) enumWithCost inputWithCost(someInput: { somethingWithCost: 10 })
      scalarWithCost objectWithCost { id } fieldWithListSize fieldWithDynamicListSize(first: 5) { ...Items } }`;
  const response = {
    fieldWithCost: 1,
    argWithCost: 2,
    enumWithCost: 'A',
    inputWithCost: 3,
    scalarWithCost: 4,
    objectWithCost: { id: 5 },
    fieldWithListSize: ['first', 'second', 'third'],
    fieldWithDynamicListSize: { items: [{ id: 6 }, { id: 7 }, { id: 8 }] },
  };

  it('estimates 127 and scores the answer 125, as the Router does', () => {
    expect(model.estimate(query)).toBe(127);
    expect(model.actual(query, response)).toBe(125);
  });

  it('takes a slicing argument from the schema default, a literal or a variable', () => {
    expect(model.estimate(query.replace('fieldWithDynamicListSize(first: 5)', 'fieldWithDynamicListSize'))).toBe(132);
    const withVariables = `query($n: Int, $input: InputTypeWithCost) { fieldWithDynamicListSize(first: $n) { items { id } } inputWithCost(someInput: $input) }`;
    expect(model.estimate(withVariables, { n: 5, input: { somethingWithCost: 10 } })).toBe(1 + 5 + 21);
    expect(model.estimate(withVariables, { n: 40 })).toBe(1 + 40);
    // Left out, or null: the schema's default (10) applies.
    expect(model.estimate(withVariables, {})).toBe(1 + 10);
    // Out-of-range variables (refused by coercion later) still give a finite estimate.
    expect(model.estimate(withVariables, { n: 1e308 })).toBe(1 + 2_147_483_647);
    expect(model.estimate(withVariables, { n: -5 })).toBe(1);
    // The operation's own default comes before the schema's.
    expect(model.estimate(withVariables.replace('$n: Int', '$n: Int = 3'))).toBe(1 + 3);
  });

  it('sizes a list without slicing arguments by its assumed size, else by the default list size', () => {
    expect(model.estimate('{ itemsByIds(ids: ["a", "b", "c"]) { id } }')).toBe(50);
    expect(model.estimate('{ plainList { id } }')).toBe(DEFAULT_LIST_SIZE);
  });

  it('refuses a field that requires exactly one slicing argument and got none', () => {
    const noDefault = costModel(composeSupergraph([{ name: 'costs', sdl: subgraph.replace('first: Int = 10', 'first: Int') }]));
    expect(() => noDefault.estimate('{ fieldWithDynamicListSize { items { id } } }')).toThrow(/exactly one of its slicing arguments/);
  });

  it('costs nothing for __typename, introspection and literally skipped fields', () => {
    expect(model.estimate('{ __typename __schema { types { name } } objectWithCost @skip(if: true) { id } plainList @include(if: false) { id } }')).toBe(0);
    // A variable condition is estimated as selected (an upper bound), as in the Router.
    expect(model.estimate('query($skip: Boolean!) { objectWithCost @skip(if: $skip) { id } }', { skip: true })).toBe(40);
  });
});

describe("cost of walletgraph's operations (gateway/supergraph.graphql)", () => {
  const model = costModel(readFileSync(supergraphFile, 'utf8'));
  const sdkOperations = path.resolve(__dirname, '../../../sdk/src/operations');
  const sdkSource = readdirSync(sdkOperations)
    .map((file) => readFileSync(path.join(sdkOperations, file), 'utf8'))
    .join('\n');
  const sdkDocument = parse(sdkSource);
  const sdkOperation = (name: string, variables: Variables = {}) => {
    const operation = sdkDocument.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name);
    if (operation === undefined) throw new Error(`no SDK operation ${name}`);
    const fragments = sdkDocument.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
    return model.estimate({ kind: Kind.DOCUMENT, definitions: [operation, ...fragments] }, variables);
  };

  it("prices the SDK's operations far below the default maximum", () => {
    expect(sdkOperation('Account', { id: 'x' })).toBe(3);
    expect(sdkOperation('Client', { id: 'x' })).toBe(1 + 10 * 1);
    expect(sdkOperation('Balance', { accountId: 'x' })).toBe(1);
    // account + connection + first × (edge + node + accountFrom + accountTo) + pageInfo
    expect(sdkOperation('AccountTransactions', { accountId: 'x', first: 100 })).toBe(1 + 1 + 100 * 4 + 1);
    expect(sdkOperation('AccountTransactions', { accountId: 'x' })).toBe(1 + 1 + 20 * 4 + 1);
    // Mutations: 10, the input object 1, the selection; money moves weigh 10 (@cost).
    expect(sdkOperation('CreateTransaction', { input: { accountIdFrom: 'a', accountIdTo: 'b', amount: '1', idempotencyKey: 'k' } })).toBe(10 + 1 + 10 + 1 + 1);
    expect(sdkOperation('Deposit', { input: { accountId: 'a', amount: '1', idempotencyKey: 'k' } })).toBe(10 + 1 + 10 + 1);
    expect(sdkOperation('CreateClient', { input: { name: 'n', email: 'e' } })).toBe(10 + 1 + 1);
    // Per event.
    expect(sdkOperation('BalanceUpdated', { accountId: 'x' })).toBe(1);
  });

  it("prices issue 14's 30-alias nested query in the hundreds of thousands", () => {
    const alias = (i: number) =>
      `a${i}: account(id: "7dfe0fa9-d168-4329-a9ba-ca1b7052fac3") { transactions(first: 100) { edges { node { accountFrom { transactions(first: 100) { edges { node { id amount createdAt } } } } } } } }`;
    const attack = `{ ${Array.from({ length: 30 }, (_, i) => alias(i)).join(' ')} }`;
    // per alias: account 1 + connection 1 + 100 × (edge 1 + node 1 + accountFrom 1 + connection 1 + 100 × (edge 1 + node 1))
    expect(model.estimate(attack)).toBe(30 * (2 + 100 * (4 + 100 * 2)));
  });

  it('scores the actual cost from the lengths the answer really has', () => {
    const query = 'query($id: ID!) { account(id: $id) { transactions(first: 100) { edges { node { id accountFrom { id } } } pageInfo { hasNextPage } } } }';
    const edges = [1, 2, 3].map((n) => ({ node: { id: String(n), accountFrom: { id: 'a' } } }));
    expect(model.estimate(query, { id: 'a' })).toBe(1 + 1 + 100 * 3 + 1);
    expect(model.actual(query, { account: { transactions: { edges, pageInfo: { hasNextPage: false } } } }, { id: 'a' })).toBe(1 + 1 + 3 * 3 + 1);
    expect(model.actual(query, { account: null }, { id: 'a' })).toBe(0);
    expect(model.actual(query, null, { id: 'a' })).toBe(0);
  });

  it('declares a size for every list of the supergraph, so the default list size never applies', () => {
    const undeclared: string[] = [];
    const sized = new Set<string>();
    for (const type of Object.values(model.apiSchema.getTypeMap())) {
      if (type.name.startsWith('__') || !('getFields' in type) || !('getInterfaces' in type)) continue;
      for (const field of Object.values(type.getFields()))
        model.costs.field(type.name, field.name)?.listSize?.sizedFields.forEach((name) => sized.add(`${field.type.toString().replace(/[![\]]/g, '')}.${name}`));
    }
    for (const type of Object.values(model.apiSchema.getTypeMap())) {
      if (type.name.startsWith('__') || !('getFields' in type) || !('getInterfaces' in type)) continue;
      for (const field of Object.values(type.getFields())) {
        const isList = field.type.toString().replace(/!$/, '').startsWith('[');
        if (isList && model.costs.field(type.name, field.name)?.listSize === undefined && !sized.has(`${type.name}.${field.name}`))
          undeclared.push(`${type.name}.${field.name}`);
      }
    }
    expect(undeclared).toEqual([]);
  });
});
