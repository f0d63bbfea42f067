import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, print, type DocumentNode } from 'graphql';
import { NetworkError } from '../errors';
import { BalanceDocument } from '../generated/graphql';
import { resolveOptions, type FetchLike } from '../options';
import { createHttpTransport } from './http';

/** A fetch that never answers on its own: it settles only when the SDK aborts it. */
const hangingFetch: FetchLike = (_url, init) =>
  new Promise((_resolve, reject) => {
    init.signal?.addEventListener('abort', () => reject(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' })));
  });

const refusedFetch: FetchLike = () => Promise.reject(new TypeError('fetch failed: ECONNREFUSED'));

async function failureOf(fetch: FetchLike): Promise<NetworkError> {
  const transport = createHttpTransport(resolveOptions({ url: 'http://127.0.0.1:1/graphql', fetch, requestTimeoutMs: 20 }));
  const error: unknown = await transport.execute(BalanceDocument, { accountId: 'a' }).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof NetworkError)) throw new Error(`expected a NetworkError, got ${String(error)}`);
  return error;
}

describe('HTTP transport failures', () => {
  test('a request with no answer within requestTimeoutMs is a retriable NetworkError marked timedOut', async () => {
    const error = await failureOf(hangingFetch);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', retriable: true, timedOut: true });
    expect(error.message).toMatch(/timed out after 20 ms/);
  });

  test('a refused connection is a retriable NetworkError that did not time out', async () => {
    const error = await failureOf(refusedFetch);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', retriable: true, timedOut: false });
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});

describe('trusted documents on the wire', () => {
  const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../persisted-query-manifest.json'), 'utf8')) as {
    operations: Array<{ id: string; name: string; body: string }>;
  };
  const balanceEntry = manifest.operations.find((operation) => operation.name === 'Balance');

  async function sentBody(documentIdsOnly: boolean, document = BalanceDocument as DocumentNode): Promise<Record<string, unknown>> {
    let body = '';
    const recordingFetch: FetchLike = async (_url, init) => {
      body = init.body;
      return { status: 200, headers: { get: () => null }, text: async () => JSON.stringify({ data: { balance: null } }) };
    };
    await createHttpTransport(resolveOptions({ url: 'http://127.0.0.1:1/graphql', fetch: recordingFetch, documentIdsOnly })).execute(document, {
      accountId: 'a',
    });
    return JSON.parse(body) as Record<string, unknown>;
  }

  test('an SDK operation goes out exactly as the manifest lists it, so its hash is its id', async () => {
    const body = await sentBody(false);
    expect(body['query']).toBe(balanceEntry?.body);
    expect(createHash('sha256').update(String(body['query'])).digest('hex')).toBe(balanceEntry?.id);
    expect(body['extensions']).toBeUndefined();
  });

  test('documentIdsOnly sends the id and no text', async () => {
    const body = await sentBody(true);
    expect(body).toEqual({
      extensions: { persistedQuery: { version: 1, sha256Hash: balanceEntry?.id } },
      variables: { accountId: 'a' },
      operationName: 'Balance',
    });
  });

  test("a document that is not the SDK's keeps its text, even with documentIdsOnly", async () => {
    const own = parse('query Mine($accountId: ID!) { balance(accountId: $accountId) { amount } }');
    const body = await sentBody(true, own);
    expect(body['query']).toBe(print(own));
    expect(body['extensions']).toBeUndefined();
  });

  test('documentIdsOnly must be a boolean', () => {
    expect(() => resolveOptions({ url: 'http://127.0.0.1:1/graphql', documentIdsOnly: 'yes' as unknown as boolean })).toThrow(
      /documentIdsOnly must be true or false/,
    );
  });
});
