import type { Identity } from '@walletgraph/platform/auth';
import { parseManifest, sha256Hex } from './manifest';
import { createTrustedDocumentPolicy } from './policy';
import { withTrustedDocuments, type QueryTextCache } from './plugin';
import { untrustedDocumentBeforeParsing } from './http-precheck';

const body = 'query A { __typename }';
const manifestText = JSON.stringify({
  format: 'apollo-persisted-query-manifest',
  version: 1,
  operations: [{ id: sha256Hex(body), name: 'A', type: 'query', body }],
});
const documents = parseManifest(manifestText, 'test');
const client: Identity = { role: 'client', subject: 's', clientId: 'c' };
const admin: Identity = { role: 'admin', subject: 'a' };
const other = 'query B { __typename }';

describe('trusted documents manifest', () => {
  it("reads Apollo's persisted query manifest format", () => {
    expect(documents.size).toBe(1);
    expect(documents.get(sha256Hex(body))).toMatchObject({ name: 'A', type: 'query', body });
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['another format', JSON.stringify({ format: 'relay', version: 1, operations: [] }), /format/],
    [
      'a body whose hash is not its id',
      JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256Hex(other), name: 'A', type: 'query', body }] }),
      /hashes to/,
    ],
    [
      'an id that is no sha256',
      JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'abc', name: 'A', type: 'query', body }] }),
      /sha256/,
    ],
  ])('refuses (at start-up) a manifest with %s', (_name, text, message) => {
    expect(() => parseManifest(text, 'm.json')).toThrow(message);
  });
});

describe('trusted documents policy', () => {
  it.each([
    ['off', { client: false, admin: false }],
    ['clients', { client: true, admin: false }],
    ['all', { client: true, admin: true }],
  ] as const)('with %s limits %j', (mode, expected) => {
    const policy = createTrustedDocumentPolicy(documents, { mode });
    expect({ client: policy.restricts(client), admin: policy.restricts(admin) }).toEqual(expected);
  });

  it('tells a text that is not in the manifest from an id that is not', () => {
    const policy = createTrustedDocumentPolicy(documents, { mode: 'clients' });
    expect(policy.check(sha256Hex(body), false)).toBeUndefined();
    expect(policy.check(sha256Hex(body), true)).toBeUndefined();
    expect(policy.check(sha256Hex(other), false)?.extensions).toMatchObject({
      code: 'PERSISTED_QUERY_NOT_IN_LIST',
      documentId: sha256Hex(other),
      http: { status: 403 },
    });
    expect(policy.check(sha256Hex(other), true)?.extensions).toMatchObject({ code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 404 } });
  });

  it('resolves what a WebSocket or SSE client sent: text, or a trusted id', () => {
    const policy = createTrustedDocumentPolicy(documents, { mode: 'clients' });
    const byId = { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(body) } } };
    expect(policy.resolve(byId, client)).toEqual({ source: body });
    expect(policy.resolve({ query: body }, client)).toEqual({ source: body });
    expect(policy.resolve({ query: other }, admin)).toEqual({ source: other });
    const refusals = [
      policy.resolve({ query: other }, client),
      policy.resolve({ extensions: { persistedQuery: { sha256Hash: sha256Hex(other) } } }, admin),
      policy.resolve({ query: '' }, admin),
      policy.resolve({ query: null, extensions: { persistedQuery: 'x' } }, admin),
    ];
    expect(refusals.map((r) => ('error' in r ? r.error.extensions['code'] : 'ok'))).toEqual([
      'PERSISTED_QUERY_NOT_IN_LIST',
      'PERSISTED_QUERY_NOT_FOUND',
      'BAD_REQUEST',
      'BAD_REQUEST',
    ]);
  });
});

describe('a text sent with an id (WebSocket and SSE, as Apollo Server checks it over HTTP)', () => {
  it.each(['off', 'clients'] as const)("refuses an id that is not the text's hash with PERSISTED_QUERY_HASH_MISMATCH (mode %s)", (mode) => {
    const policy = createTrustedDocumentPolicy(documents, { mode });
    const refusals = [
      policy.resolve({ query: body, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(other) } } }, admin),
      policy.resolve({ query: body, extensions: { persistedQuery: { version: 1, sha256Hash: 5 } } }, client),
      policy.resolve({ query: other, extensions: { persistedQuery: { version: 1 } } }, admin),
    ];
    expect(refusals.map((r) => ('error' in r ? [r.error.message, r.error.extensions['code']] : 'ran'))).toEqual(
      Array(3).fill(['provided sha does not match query', 'PERSISTED_QUERY_HASH_MISMATCH']),
    );
    expect(policy.resolve({ query: body, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(body) } } }, client)).toEqual({ source: body });
  });
});

describe('the APQ cache with the manifest in front', () => {
  it('finds trusted documents by id and never stores them', async () => {
    const stored = new Map<string, string>();
    const inner: QueryTextCache = {
      get: async (key) => stored.get(key),
      set: async (key, value) => void stored.set(key, value),
      delete: async (key) => stored.delete(key),
    };
    const cache = withTrustedDocuments(inner, documents);
    expect(await cache.get(`apq:${sha256Hex(body)}`)).toBe(body);
    await cache.set(`apq:${sha256Hex(body)}`, body);
    await cache.set(`apq:${sha256Hex(other)}`, other);
    expect([...stored.keys()]).toEqual([`apq:${sha256Hex(other)}`]);
    expect(await cache.get(`apq:${sha256Hex(other)}`)).toBe(other);
    expect(await cache.get(`apq:${'0'.repeat(64)}`)).toBeUndefined();
  });
});

describe('the HTTP check before parsing', () => {
  const policy = createTrustedDocumentPolicy(documents, { mode: 'clients' });
  const codeOf = (request: Parameters<typeof untrustedDocumentBeforeParsing>[2], identity: Identity = client) =>
    untrustedDocumentBeforeParsing(policy, identity, request)?.extensions['code'] ?? 'let through';
  it("refuses a restricted caller's untrusted text or id in a POST, a batch or a GET", () => {
    expect(codeOf({ body: { query: other } })).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(codeOf({ body: [{ query: body }, { query: other }] })).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(codeOf({ body: { extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(other) } } } })).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(codeOf({ search: new URLSearchParams({ query: other }) })).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(codeOf({ search: new URLSearchParams({ extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha256Hex(other) } }) }) })).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
  });
  it('lets through trusted documents, admins, and what Apollo answers itself (no query, a bad hash, not JSON)', () => {
    expect(codeOf({ body: { query: body } })).toBe('let through');
    expect(codeOf({ body: { extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(body) } } } })).toBe('let through');
    expect(codeOf({ body: { query: other } }, admin)).toBe('let through');
    expect(codeOf({ body: {} })).toBe('let through');
    expect(codeOf({ body: { query: body, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(other) } } } })).toBe('let through');
    expect(codeOf({ body: 'not an object' })).toBe('let through');
    expect(codeOf({ search: new URLSearchParams({ extensions: '{' }) })).toBe('let through');
  });
});
