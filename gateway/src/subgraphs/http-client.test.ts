import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSubgraphHttpClient, type SubgraphHttpClient } from './http-client';

describe('subgraph HTTP client', () => {
  let server: Server;
  let client: SubgraphHttpClient;
  const seen: Array<{ readonly headers: Record<string, unknown>; readonly body: string }> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        seen.push({ headers: request.headers, body });
        if (request.url === '/slow') return; // never answers: the headers timeout
        const text = Buffer.from(JSON.stringify({ data: { name: 'Zoë €' } }), 'utf8');
        // Chunked, split inside a multi-byte character: the client must decode the whole body once.
        response.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'max-age=5, private' });
        const cut = text.indexOf(0xc3) + 1;
        response.write(text.subarray(0, cut));
        setTimeout(() => response.end(text.subarray(cut)), 5);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = createSubgraphHttpClient({ url: `http://127.0.0.1:${port}/graphql?x=1`, socketsMax: 2, timeoutMs: 300 });
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts JSON to the path and query, and returns status, content type, cache control and the whole body decoded once', async () => {
    const response = await client.post('{"query":"{ a }"}', { 'x-request-id': 'r1' });
    expect(response).toEqual({
      status: 201,
      contentType: 'application/json; charset=utf-8',
      cacheControl: 'max-age=5, private',
      bodyText: '{"data":{"name":"Zoë €"}}',
    });
    expect(seen.at(-1)).toMatchObject({ body: '{"query":"{ a }"}', headers: { 'content-type': 'application/json', 'x-request-id': 'r1' } });
  });

  it('rejects when the answer does not start within the timeout', async () => {
    const slow = createSubgraphHttpClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`, socketsMax: 1, timeoutMs: 100 });
    await expect(slow.post('{}', {})).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
    await slow.close().catch(() => undefined);
  });
});
