import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { checkOperationLimits, measureOperation } from './limits';

const limits = { depthMax: 4, aliasesMax: 2, fieldsMax: 10, bodyBytesMax: 1000, batchSizeMax: 2 };

function firstOperation(source: string) {
  const document = parse(source);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operation === undefined) throw new Error('no operation');
  return { document, operation };
}

describe('operation limits', () => {
  it.each([
    ['depth', '{ a { b { c { d { e } } } } }', 'DEPTH_LIMIT_EXCEEDED'],
    ['depth through fragments', '{ a { ...F } } fragment F on T { b { c { d { e } } } }', 'DEPTH_LIMIT_EXCEEDED'],
    ['aliases', '{ x: a y: a z: a }', 'ALIAS_LIMIT_EXCEEDED'],
    ['fields', '{ a b c d e f g h i j k }', 'FIELD_LIMIT_EXCEEDED'],
    [
      'fields through a fragment bomb',
      '{ ...A } fragment A on Q { ...B ...B } fragment B on Q { ...C ...C } fragment C on Q { a b c }',
      'FIELD_LIMIT_EXCEEDED',
    ],
  ])('refuses %s with a clear error', (_name, source, code) => {
    const { document, operation } = firstOperation(source);
    const errors = checkOperationLimits(operation, document, limits);
    expect(errors.map((e) => e.extensions['code'])).toEqual([code]);
    expect(errors[0]?.message).toMatch(/maximum is \d+/);
  });

  it.each([
    ['within every limit', '{ a { b { c { d } } } x: e }'],
    ['deep introspection', '{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }'],
  ])('accepts %s', (_name, source) => {
    const { document, operation } = firstOperation(source);
    expect(checkOperationLimits(operation, document, limits)).toEqual([]);
  });

  it('measures cyclic fragments without looping', () => {
    const { document, operation } = firstOperation('{ ...A } fragment A on Q { a ...B } fragment B on Q { b ...A }');
    expect(measureOperation(operation, document).fieldCount).toBeGreaterThan(0);
  });
});
