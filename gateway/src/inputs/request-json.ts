import { hasInexactJsonNumber, parseJsonKeepingNumberText } from '@walletgraph/platform';

/**
 * A request body (HTTP POST, SSE, a WebSocket message): JSON.parse, except that numbers written
 * with a fraction or exponent keep their text (JsonNumberText) until the variable rules have seen
 * where they go. A body without such numbers costs one scan more than JSON.parse.
 */
export function parseRequestJson(text: string): unknown {
  return parseJsonKeepingNumberText(text);
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
