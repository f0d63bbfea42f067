import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { decimalTextFromLiteral, decimalTextFromValue } from '@walletgraph/platform/core';
import { moneyDisplay, type Money } from '../domain/money.js';

function isMoney(value: unknown): value is Money {
  return typeof value === 'object' && value !== null && typeof (value as Money).decimalPlaces === 'function';
}

const badInput = (message: string): GraphQLError => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/**
 * Exact decimal as a string. Input follows the platform's one rule (a plain decimal string or an
 * exact integer; never a float or an exponent) and reaches the domain as text; the domain owns
 * sign, scale and range and their messages.
 */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  serialize(value: unknown): string {
    if (isMoney(value)) return moneyDisplay(value);
    throw new Error('Decimal fields must resolve to a Money value');
  },
  parseValue: decimalTextFromValue,
  parseLiteral: (ast) => decimalTextFromLiteral(ast),
});

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize(value: unknown): string {
    if (value instanceof Date) return value.toISOString();
    throw new Error('DateTime fields must resolve to a Date');
  },
  parseValue(value: unknown): Date {
    const date = typeof value === 'string' ? new Date(value) : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) throw badInput('DateTime must be an RFC 3339 string');
    return date;
  },
  parseLiteral(ast): Date {
    const date = ast.kind === Kind.STRING ? new Date(ast.value) : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) throw badInput('DateTime must be an RFC 3339 string');
    return date;
  },
});
