import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { decimalTextFromLiteral, decimalTextFromValue } from '@walletgraph/platform/core';

/** The balance subgraph takes no amount as input today; if it does, the platform's one rule applies. */
export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  serialize(value) {
    if (typeof value !== 'string') throw new GraphQLError('Decimal must be serialized from a string');
    return value;
  },
  parseValue: decimalTextFromValue,
  parseLiteral: (ast) => decimalTextFromLiteral(ast),
});

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize(value) {
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
    throw new GraphQLError('DateTime must be serialized from a Date');
  },
  parseValue(value) {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw new GraphQLError('DateTime must be an RFC 3339 string');
    return new Date(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING || Number.isNaN(Date.parse(ast.value))) throw new GraphQLError('DateTime must be an RFC 3339 string');
    return new Date(ast.value);
  },
});
