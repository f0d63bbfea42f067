import { GraphQLError, isScalarType, Kind, type GraphQLSchema } from 'graphql';
import { decimalTextFromLiteral, decimalTextFromValue } from '@walletgraph/platform/core';

/** Custom scalars whose input is text only: a number at their position is never passed on as a double. */
export const DECIMAL_SCALAR = 'Decimal';

const dateTimeError = (): GraphQLError =>
  new GraphQLError('a DateTime must be an RFC 3339 string such as "2026-11-26T05:00:00.000Z"', { extensions: { code: 'BAD_USER_INPUT' } });

function dateTimeText(value: unknown): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw dateTimeError();
  return value;
}

/**
 * A schema built from the supergraph knows its custom scalars by name only and accepts anything
 * for them (true, [5], {} or a float reached the subgraph, which refused it with HTTP 400). This
 * gives the gateway's schema the subgraphs' input rules, so a wrong value is refused before any
 * planning, as BAD_USER_INPUT, by the same code the subgraphs run. Output stays untouched: the
 * subgraphs serialize. The scalar objects belong to this schema alone (built from SDL), so
 * setting their parsers changes nothing else in the process.
 */
export function installInputScalars(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isScalarType(type)) continue;
    if (type.name === DECIMAL_SCALAR) {
      type.parseValue = decimalTextFromValue;
      type.parseLiteral = (ast) => decimalTextFromLiteral(ast);
    } else if (type.name === 'DateTime') {
      type.parseValue = dateTimeText;
      type.parseLiteral = (ast) => dateTimeText(ast.kind === Kind.STRING ? ast.value : undefined);
    }
  }
  return schema;
}
