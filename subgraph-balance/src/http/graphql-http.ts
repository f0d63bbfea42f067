import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { ErrorCode, isAppError } from '@walletgraph/platform/core';
import type { BalanceContext } from '../resolvers/context.js';
import { readBody, sendJson } from './request.js';

/** Bridges a node http request to Apollo Server (no framework needed). */
export async function handleGraphqlHttp(
  apollo: ApolloServer<BalanceContext>,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  makeContext: () => BalanceContext,
  bodyBytesMax: number,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  let body: unknown;
  try {
    const text = request.method === 'POST' ? await readBody(request, bodyBytesMax) : '';
    body = text.length > 0 && /json/i.test(headers.get('content-type') ?? '') ? JSON.parse(text) : text;
  } catch (error: unknown) {
    const message = isAppError(error) ? error.message : 'request body is not valid JSON';
    sendJson(response, 400, JSON.stringify({ errors: [{ message, extensions: { code: ErrorCode.BAD_USER_INPUT } }] }));
    return;
  }
  const result = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: (request.method ?? 'GET').toUpperCase(), headers, search: url.search, body },
    context: async () => makeContext(),
  });
  response.statusCode = result.status ?? 200;
  for (const [name, value] of result.headers) response.setHeader(name, value);
  if (result.body.kind === 'complete') {
    response.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) response.write(chunk);
  response.end();
}
