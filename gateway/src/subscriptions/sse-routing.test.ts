import type { IncomingMessage } from 'node:http';
import { acceptedMediaTypes, sseRequestKindOf, type SseRequestKind } from './sse-routing';

const request = (method: string, headers: Record<string, string> = {}, url = '/graphql'): IncomingMessage =>
  ({ method, url, headers }) as unknown as IncomingMessage;

const urqlAccept = 'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed';

describe('sseRequestKindOf: only what graphql-sse clients send is SSE', () => {
  it.each<[string, IncomingMessage, SseRequestKind | undefined]>([
    ["urql's default Accept (query, POST)", request('POST', { accept: urqlAccept }), undefined],
    ["urql's default Accept (query, GET)", request('GET', { accept: urqlAccept }, '/graphql?query=%7B__typename%7D'), undefined],
    ['JSON or a stream', request('POST', { accept: 'application/json, text/event-stream' }), undefined],
    ['a stream first, JSON too', request('POST', { accept: 'text/event-stream, application/json' }), undefined],
    ['a stream refused with q=0', request('POST', { accept: 'text/event-stream;q=0' }), undefined],
    ["Apollo Client's HttpLink", request('POST', { accept: 'application/graphql-response+json,application/json;q=0.9' }), undefined],
    ['no Accept', request('POST'), undefined],
    ['a browser page', request('GET', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }), undefined],
    ['a DELETE without a token', request('DELETE'), undefined],
    ['graphql-sse distinct connections (POST)', request('POST', { accept: 'text/event-stream' }), 'distinct'],
    ['EventSource (GET)', request('GET', { accept: 'text/event-stream' }, '/graphql?query=%7B__typename%7D'), 'distinct'],
    ['a stream only, with parameters', request('POST', { accept: ' Text/Event-Stream ; charset=utf-8' }), 'distinct'],
    ['graphql-sse reservation (PUT)', request('PUT'), 'reserve'],
    ['single connection: the stream, token in the header', request('GET', { accept: 'text/event-stream', 'x-graphql-event-stream-token': 't' }), 'single'],
    ['single connection: the stream, token in the URL', request('GET', { accept: 'text/event-stream' }, '/graphql?token=t'), 'single'],
    ['single connection: an operation', request('POST', { accept: '*/*', 'x-graphql-event-stream-token': 't' }), 'single'],
    ['single connection: DELETE', request('DELETE', { 'x-graphql-event-stream-token': 't' }, '/graphql?operationId=1'), 'single'],
  ])('%s', (_name, incoming, kind) => {
    expect(sseRequestKindOf(incoming)).toBe(kind);
  });

  it('parses Accept into acceptable media types', () => {
    expect(acceptedMediaTypes('a/b;q=0.5, c/d;q=0, E/F ; x=y,,')).toEqual(['a/b', 'e/f']);
    expect(acceptedMediaTypes(undefined)).toEqual([]);
  });
});
