import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCors } from './cors';

const allowedOrigin = 'https://app.example.com';
let server: Server;
let url: string;

beforeAll(async () => {
  const cors = createCors([allowedOrigin]);
  server = createServer((request, response) => {
    if (cors.handle(request, response)) return;
    response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'r-1' });
    response.end('{"data":{}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const preflight = (origin: string, requestHeaders = 'authorization, content-type') =>
  fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requestHeaders } });

describe('CORS', () => {
  it('answers a preflight from an allowed origin with 204 and what it may send', async () => {
    const response = await preflight(allowedOrigin);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(response.headers.get('access-control-max-age')).toBe('600');
  });

  it('refuses a preflight from another origin with 403 and a JSON reason, without CORS headers', async () => {
    const response = await preflight('https://evil.example.com');
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await response.json()).toEqual({
      errors: [{ message: 'origin https://evil.example.com may not call this gateway (GATEWAY_CORS_ORIGINS)', extensions: { code: 'FORBIDDEN' } }],
    });
  });

  it('refuses a preflight asking for a header outside the list', async () => {
    const response = await preflight(allowedOrigin, 'authorization, x-admin-override');
    expect(response.status).toBe(403);
    expect(((await response.json()) as { errors: Array<{ message: string }> }).errors[0]?.message).toBe(
      'request header(s) not allowed cross-origin: x-admin-override',
    );
  });

  it('marks an allowed cross-origin request readable and exposes the request id', async () => {
    const response = await fetch(url, { method: 'POST', headers: { origin: allowedOrigin, 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect(response.headers.get('access-control-expose-headers')).toContain('x-request-id');
  });

  it('leaves same-origin requests (no Origin header) and other origins without CORS headers', async () => {
    const plain = await fetch(url, { method: 'POST', body: '{}' });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    const other = await fetch(url, { method: 'POST', headers: { origin: 'https://evil.example.com' }, body: '{}' });
    expect(other.status).toBe(200); // the browser, not the server, withholds the answer
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
