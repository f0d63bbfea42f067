import {
  GraphQLError,
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { isWellFormedText, JsonNumber } from '@walletgraph/platform/core';
import { DECIMAL_SCALAR } from './scalars.js';

/** Refusals reported per operation; past this the caller has been told enough. */
const errorCountMax = 10;
/**
 * Nesting of lists and objects inside one variable. The schema's deepest input is a few levels;
 * without a bound, a body of 45,000 nested lists (90 KB) overflowed this recursive walk's stack:
 * HTTP 500, and a WebSocket closed with 4500.
 */
export const VARIABLE_DEPTH_MAX = 32;

function nullableOf(type: GraphQLInputType | undefined): GraphQLInputType | undefined {
  return type !== undefined && isNonNullType(type) ? type.ofType : type;
}

function pathText(path: readonly (string | number)[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? `$${part}` : `.${part}`)).join('');
}

/**
 * Walks the variables of one operation along their declared types, before graphql-js coerces them:
 * - a JSON number kept as text (fraction or exponent, see parseJsonKeepingNumberText) becomes the
 *   number it is, except at a Decimal, whose scalar then refuses it (a double cannot carry it);
 * - every string anywhere must be valid UTF-16 (a lone surrogate would be stored as U+FFFD).
 * Values are replaced in place; the returned errors are BAD_USER_INPUT.
 */
export function resolveVariableInputs(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError[] {
  if (variables === null || variables === undefined) return [];
  const errors: GraphQLError[] = [];
  const declared = new Map<string, GraphQLInputType | undefined>();
  for (const definition of operation.variableDefinitions ?? [])
    declared.set(definition.variable.name.value, typeFromAST(schema, definition.type) as GraphQLInputType | undefined);

  const visit = (value: unknown, type: GraphQLInputType | undefined, path: (string | number)[]): unknown => {
    if (errors.length >= errorCountMax) return value;
    if (value instanceof JsonNumber) return type !== undefined && getNamedType(type).name === DECIMAL_SCALAR ? value : value.toNumber();
    if (typeof value === 'string') {
      if (!isWellFormedText(value))
        errors.push(new GraphQLError(`${pathText(path)} is not valid Unicode text (it holds a lone surrogate)`, { extensions: { code: 'BAD_USER_INPUT' } }));
      return value;
    }
    if (typeof value !== 'object' || value === null) return value;
    if (path.length > VARIABLE_DEPTH_MAX) {
      errors.push(
        new GraphQLError(`${pathText(path.slice(0, 3))}… is nested deeper than ${VARIABLE_DEPTH_MAX} levels; no input of this API is`, {
          extensions: { code: 'BAD_USER_INPUT' },
        }),
      );
      return value;
    }
    const nullable = nullableOf(type);
    if (Array.isArray(value)) {
      // graphql-js also accepts one item where a list is declared: the item type applies either way.
      const itemType = nullable !== undefined && isListType(nullable) ? nullable.ofType : nullable;
      const items = value as unknown[];
      for (let index = 0; index < items.length; index += 1) items[index] = visit(items[index], itemType, [...path, index]);
      return value;
    }
    // One object where a list of them is declared is coerced to a list: walk it as the item.
    let objectType = nullable;
    while (objectType !== undefined && isListType(objectType)) objectType = nullableOf(objectType.ofType);
    const fields = objectType !== undefined && isInputObjectType(objectType) ? objectType.getFields() : undefined;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = visit(record[key], fields?.[key]?.type, [...path, key]);
    return value;
  };

  for (const name of Object.keys(variables)) variables[name] = visit(variables[name], declared.get(name), [name]);
  return errors;
}
