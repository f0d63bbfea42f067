// What names the operation to run (issue 14, item 6): an operationName the document does not
// define, and an APQ hash that is not the hash of the query sent with it. Each is the caller's
// mistake, refused with HTTP 400 and its own code on every transport, before anything runs.
import { createHash, randomUUID } from 'node:crypto';
import type { Fixture, Row, Wire } from './harness';

const TWO_QUERIES = 'query First { __typename } query Second { __typename }';
const wrongHash = { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update('{ somethingElse }').digest('hex') } };
const transfer = (f: Fixture): Wire => ({
  query: 'mutation Move($input: CreateTransactionInput!) { createTransaction(input: $input) { id } }',
  variables: { input: { accountIdFrom: f.owner.from, accountIdTo: f.owner.to, amount: '1', idempotencyKey: randomUUID() } },
});

const unknownName = { status: 400, code: 'OPERATION_RESOLUTION_FAILURE', message: /Unknown operation named "Third"/ } as const;
const noName = { status: 400, code: 'OPERATION_RESOLUTION_FAILURE', message: /Must provide operation name/ } as const;
const mismatch = { status: 400, code: 'PERSISTED_QUERY_HASH_MISMATCH' } as const;
/** The same refusals over WebSocket: an `error` message, no HTTP status. */
const overWs = ({ status: _status, ...rest }: { status: number; code: string; message?: RegExp }) => rest;

export const operationRows: readonly Row[] = [
  { name: 'unknown operationName over HTTP', transport: 'http', request: () => ({ query: TWO_QUERIES, operationName: 'Third' }), expect: unknownName },
  {
    name: 'unknown operationName over WebSocket',
    transport: 'ws',
    request: () => ({ query: TWO_QUERIES, operationName: 'Third' }),
    expect: overWs(unknownName),
  },
  { name: 'unknown operationName over SSE', transport: 'sse', request: () => ({ query: TWO_QUERIES, operationName: 'Third' }), expect: unknownName },
  {
    name: 'unknown operationName on a mutation over HTTP',
    transport: 'http',
    request: (f) => ({ ...transfer(f), operationName: 'Third' }),
    expect: unknownName,
    changesNothing: true,
    fetchesNothing: true,
  },
  { name: 'no operationName for a document of two over HTTP', transport: 'http', request: () => ({ query: TWO_QUERIES }), expect: noName },
  { name: 'no operationName for a document of two over WebSocket', transport: 'ws', request: () => ({ query: TWO_QUERIES }), expect: overWs(noName) },
  { name: 'no operationName for a document of two over SSE', transport: 'sse', request: () => ({ query: TWO_QUERIES }), expect: noName },
  { name: 'APQ hash mismatch over HTTP', transport: 'http', request: () => ({ query: '{ __typename }', extensions: wrongHash }), expect: mismatch },
  {
    name: 'APQ hash mismatch on a mutation over HTTP',
    transport: 'http',
    request: (f) => ({ ...transfer(f), extensions: wrongHash }),
    expect: mismatch,
    changesNothing: true,
    fetchesNothing: true,
  },
  { name: 'APQ hash mismatch over WebSocket', transport: 'ws', request: () => ({ query: '{ __typename }', extensions: wrongHash }), expect: overWs(mismatch) },
  {
    name: 'APQ hash mismatch on a mutation over WebSocket',
    transport: 'ws',
    request: (f) => ({ ...transfer(f), extensions: wrongHash }),
    expect: overWs(mismatch),
    changesNothing: true,
    fetchesNothing: true,
  },
  {
    name: 'APQ hash mismatch on a mutation over SSE',
    transport: 'sse',
    request: (f) => ({ ...transfer(f), extensions: wrongHash }),
    expect: mismatch,
    changesNothing: true,
    fetchesNothing: true,
  },
];
