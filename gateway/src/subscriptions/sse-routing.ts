import type { IncomingMessage } from 'node:http';
import { TOKEN_HEADER_KEY, TOKEN_QUERY_KEY } from 'graphql-sse';

export const EVENT_STREAM = 'text/event-stream';

/**
 * What a graphql-sse request is, as its clients send it:
 * - `reserve`: single connection mode, `PUT` makes a stream reservation (answered with its token);
 * - `single`: single connection mode, a request carrying the stream token (header
 *   `x-graphql-event-stream-token` or `?token=`): `GET` opens the stream, `POST` adds an
 *   operation to it, `DELETE ?operationId=` ends one;
 * - `distinct`: distinct connections mode, a `GET`/`POST` asking for an event stream and nothing else.
 */
export type SseRequestKind = 'reserve' | 'single' | 'distinct';

/** The media types an Accept header lists as acceptable (q > 0), lower case, without parameters. */
export function acceptedMediaTypes(accept: string | undefined): string[] {
  if (accept === undefined) return [];
  const types: string[] = [];
  for (const range of accept.split(',')) {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    if (type === '') continue;
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    types.push(type);
  }
  return types;
}

/**
 * A client asks for an event stream when `text/event-stream` is the only media type it accepts:
 * what graphql-sse's client and a browser's EventSource send (graphql-sse's own handler compares
 * Accept with `text/event-stream` exactly). A client that also accepts JSON — urql's default
 * `application/graphql-response+json, …, application/json, text/event-stream, multipart/mixed` —
 * gets an ordinary GraphQL-over-HTTP response.
 */
export function asksForEventStreamOnly(accept: string | undefined): boolean {
  const types = acceptedMediaTypes(accept);
  return types.length > 0 && types.every((type) => type === EVENT_STREAM);
}

export function streamTokenOf(request: IncomingMessage): string | undefined {
  const header = request.headers[TOKEN_HEADER_KEY];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader !== undefined && fromHeader !== '') return fromHeader;
  const fromQuery = new URL(request.url ?? '/', 'http://gateway.local').searchParams.get(TOKEN_QUERY_KEY);
  return fromQuery === null || fromQuery === '' ? undefined : fromQuery;
}

/** `undefined`: not graphql-sse, an ordinary GraphQL-over-HTTP request (or the playground). */
export function sseRequestKindOf(request: IncomingMessage): SseRequestKind | undefined {
  const method = request.method ?? 'GET';
  if (method === 'PUT') return 'reserve';
  if (streamTokenOf(request) !== undefined) return 'single';
  if ((method === 'GET' || method === 'POST') && asksForEventStreamOnly(request.headers.accept)) return 'distinct';
  return undefined;
}
