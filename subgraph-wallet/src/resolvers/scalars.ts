import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { moneyDisplay, type Money } from '../domain/money.js';

function isMoney(value: unknown): value is Money {
  return typeof value === 'object' && value !== null && typeof (value as Money).decimalPlaces === 'function';
}

const badInput = (message: string): GraphQLError => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/**
 * Exact decimal as a string. Input is passed through as text (strings, or number literals by
 * their source text) and validated by the domain, which owns the money rules and error messages.
 */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  serialize(value: unknown): string {
    if (isMoney(value)) return moneyDisplay(value);
    throw new Error('Decimal fields must resolve to a Money value');
  },
  parseValue(value: unknown): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    throw badInput('Decimal must be a string such as "10.50"');
  },
  parseLiteral(ast): string {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return ast.value;
    throw badInput('Decimal must be a string such as "10.50"');
  },
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
