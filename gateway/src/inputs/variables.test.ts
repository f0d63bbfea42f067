import { buildSchema, getOperationAST, parse } from 'graphql';
import { JsonNumber } from '@walletgraph/platform/core';
import { installInputScalars } from './scalars';
import { resolveVariableInputs, VARIABLE_DEPTH_MAX } from './variables';

const schema = installInputScalars(
  buildSchema(`
    scalar Decimal
    input Leg { amount: Decimal!, note: String }
    input Order { legs: [Leg!]!, count: Int, amount: Decimal }
    type Query { quote(order: Order!, n: Int, ids: [ID!]): Decimal }
  `),
);
const operation = (source: string) => {
  const found = getOperationAST(parse(source));
  if (found === null || found === undefined) throw new Error('no operation');
  return found;
};
const quote = operation('query($order: Order!, $n: Int, $ids: [ID!], $free: String) { quote(order: $order, n: $n, ids: $ids) }');

describe('resolveVariableInputs', () => {
  it('turns kept number texts back into numbers except where a Decimal is declared', () => {
    const kept = new JsonNumber('1.5e2');
    const variables: Record<string, unknown> = {
      order: { legs: [{ amount: kept }], count: new JsonNumber('2.0'), amount: new JsonNumber('0.1') },
      n: new JsonNumber('1e1'),
      ids: [new JsonNumber('3.0')],
      extra: new JsonNumber('4.5'),
    };
    expect(resolveVariableInputs(schema, quote, variables)).toEqual([]);
    expect(variables).toEqual({ order: { legs: [{ amount: kept }], count: 2, amount: new JsonNumber('0.1') }, n: 10, ids: [3], extra: 4.5 });
  });

  it('a single item where a list is declared is walked as an item (graphql-js coerces it to a list)', () => {
    const kept = new JsonNumber('0.5');
    const variables: Record<string, unknown> = { order: { legs: { amount: kept } } };
    resolveVariableInputs(schema, quote, variables);
    expect((variables['order'] as { legs: { amount: unknown } }).legs.amount).toBe(kept);
  });

  it('refuses a lone surrogate anywhere, naming where', () => {
    const errors = resolveVariableInputs(schema, quote, {
      order: { legs: [{ amount: '1', note: 'a\udc00' }] },
      free: '\ud800',
      unknown: { deep: ['ok', 'x\ud83d'] },
    });
    expect(errors.map((error) => [error.message, error.extensions['code']])).toEqual([
      ['$order.legs[0].note is not valid Unicode text (it holds a lone surrogate)', 'BAD_USER_INPUT'],
      ['$free is not valid Unicode text (it holds a lone surrogate)', 'BAD_USER_INPUT'],
      ['$unknown.deep[1] is not valid Unicode text (it holds a lone surrogate)', 'BAD_USER_INPUT'],
    ]);
  });

  it('refuses a value nested deeper than any input (45,000 lists overflowed the walk: HTTP 500), and walks one at the bound', () => {
    let deep: unknown = [];
    for (let level = 0; level < 45_000; level += 1) deep = [deep];
    expect(resolveVariableInputs(schema, quote, { ids: deep }).map((error) => [error.message, error.extensions['code']])).toEqual([
      [`$ids[0][0]… is nested deeper than ${VARIABLE_DEPTH_MAX} levels; no input of this API is`, 'BAD_USER_INPUT'],
    ]);
    let atTheBound: unknown = new JsonNumber('1.0');
    for (let level = 0; level < VARIABLE_DEPTH_MAX; level += 1) atTheBound = [atTheBound];
    const variables: Record<string, unknown> = { free: atTheBound };
    expect(resolveVariableInputs(schema, quote, variables)).toEqual([]);
    let innermost: unknown = variables['free'];
    while (Array.isArray(innermost)) innermost = innermost[0];
    expect(innermost).toBe(1);
  });

  it('leaves well-formed text, surrogate pairs and absent variables alone', () => {
    expect(resolveVariableInputs(schema, quote, { free: 'Ana 😀', order: { legs: [] } })).toEqual([]);
    expect(resolveVariableInputs(schema, quote, undefined)).toEqual([]);
  });
});
