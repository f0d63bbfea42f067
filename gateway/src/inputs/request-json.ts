import { hasInexactJsonNumber, JsonNumber, parseJsonKeepingNumberText } from '@walletgraph/platform/core';

/** Every kept number text in `value` back to the number JSON.parse would have made (in place). */
function restoreNumbers(value: unknown): unknown {
  if (value instanceof JsonNumber) return value.toNumber();
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = restoreNumbers(record[key]);
  return value;
}

/** Number texts matter only in `variables`; anywhere else (extensions, ...) a number is a number. */
function keepTextsInVariablesOnly(operation: unknown): unknown {
  if (typeof operation !== 'object' || operation === null || Array.isArray(operation)) return restoreNumbers(operation);
  const record = operation as Record<string, unknown>;
  for (const key of Object.keys(record)) if (key !== 'variables') record[key] = restoreNumbers(record[key]);
  return operation;
}

/**
 * A GraphQL request body (HTTP POST, SSE; one operation or a batch): JSON.parse, except that
 * numbers in `variables` written with a fraction or exponent keep their text (JsonNumber)
 * until the variable rules have seen where they go. A body without such numbers costs one scan
 * more than JSON.parse.
 */
export function parseRequestJson(text: string): unknown {
  if (!hasInexactJsonNumber(text)) return JSON.parse(text) as unknown;
  const parsed = parseJsonKeepingNumberText(text);
  return Array.isArray(parsed) ? parsed.map(keepTextsInVariablesOnly) : keepTextsInVariablesOnly(parsed);
}

/**
 * GET requests (queries; SSE streams) carry `variables` in the URL, and Apollo Server and
 * graphql-sse parse it themselves, where a number's text is lost. So there a fraction or an exponent
 * is refused outright: the schema has no Float input, and amounts are strings.
 */
export function inexactNumberInSearch(url: string | undefined): string | undefined {
  const variables = new URL(url ?? '/', 'http://gateway.local').searchParams.get('variables');
  if (variables === null || !hasInexactJsonNumber(variables)) return undefined;
  return 'numbers in the variables of a GET request must be plain integers (no fraction, no exponent); send amounts as strings, such as "10.50"';
}
