import pino from 'pino';
import { createOwnershipDirectory } from './ownership.js';

const config = {
  walletSubgraphUrl: 'http://wallet.test/graphql',
  internalSecret: 'a-test-secret-of-at-least-thirty-two-characters',
  cacheEntriesMax: 10,
  timeoutMs: 1_000,
};

function fakeWallet(owners: Record<string, string>) {
  const requests: Array<{ headers: Record<string, string>; ids: string[] }> = [];
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    const body = JSON.parse(init.body as string) as { variables: { representations: Array<{ id: string }> } };
    const ids = body.variables.representations.map((r) => r.id);
    requests.push({ headers: init.headers as Record<string, string>, ids });
    const entities = ids.map((id) => (owners[id] === undefined ? null : { id, client: { id: owners[id] } }));
    return new Response(JSON.stringify({ data: { _entities: entities } }), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { fetchImpl, requests };
}

describe('ownership directory', () => {
  it("sends the asking request's id with the look-up, so the wallet's log lines carry it", async () => {
    const wallet = fakeWallet({ a1: 'c1' });
    const directory = createOwnershipDirectory({ logger: pino({ level: 'silent' }), fetch: wallet.fetchImpl }, config);
    const owners = await directory.ownersOf(['a1', 'a2'], 'req-123');
    expect([...owners]).toEqual([['a1', 'c1']]);
    expect(wallet.requests).toHaveLength(1);
    expect(wallet.requests[0]?.headers['x-request-id']).toBe('req-123');
    expect(wallet.requests[0]?.headers['x-walletgraph-identity']).toEqual(expect.any(String));
  });

  it('sends no request id when none is given, and answers known owners from its cache', async () => {
    const wallet = fakeWallet({ a1: 'c1' });
    const directory = createOwnershipDirectory({ logger: pino({ level: 'silent' }), fetch: wallet.fetchImpl }, config);
    await directory.ownersOf(['a1']);
    expect(wallet.requests[0]?.headers).not.toHaveProperty('x-request-id');
    await directory.ownersOf(['a1'], 'req-2');
    expect(wallet.requests).toHaveLength(1);
  });
});
