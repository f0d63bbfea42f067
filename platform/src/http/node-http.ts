import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BadUserInputError, type AppError } from '../core/index.js';

/** Request ids a caller may choose: short and printable, so they are safe in logs and headers. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:/+=-]{1,128}$/;

export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The caller's x-request-id when it is sane, otherwise a fresh one. */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const sent = headerOf(headers, 'x-request-id');
  return sent !== undefined && REQUEST_ID_PATTERN.test(sent) ? sent : randomUUID();
}

export type BodyResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly receivedBytes: number };

/** Reads at most `bodyBytesMax` bytes; stops buffering (and says so) as soon as the bound is passed. */
export function readBodyBounded(request: IncomingMessage, bodyBytesMax: number): Promise<BodyResult> {
  const declaredBytes = Number(request.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declaredBytes) && declaredBytes > bodyBytesMax) {
    request.resume();
    return Promise.resolve({ ok: false, receivedBytes: declaredBytes });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let receivedBytes = 0;
    let done = false;
    request.on('data', (chunk: Buffer) => {
      if (done) return;
      receivedBytes += chunk.length;
      if (receivedBytes > bodyBytesMax) {
        done = true;
        chunks.length = 0;
        request.resume();
        resolve({ ok: false, receivedBytes });
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (done) return;
      done = true;
      resolve({ ok: true, text: Buffer.concat(chunks).toString('utf8') });
    });
    request.on('error', (error: Error) => {
      if (done) return;
      done = true;
      reject(error);
    });
  });
}

/** Sends a JSON body (a string is sent as it is) with its length. */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

/** A body over the route's byte limit: the caller's mistake (400), never buffered past the limit. */
export class PayloadTooLargeError extends BadUserInputError {}

/** Reads the whole body, refusing more than `bytesMax` (PayloadTooLargeError). */
export async function readBody(request: IncomingMessage, bytesMax: number): Promise<string> {
  const body = await readBodyBounded(request, bytesMax);
  if (!body.ok) throw new PayloadTooLargeError(`request body exceeds ${bytesMax} bytes`);
  return body.text;
}

/** The JSON body of a refusal outside GraphQL (REST routes, a request refused before GraphQL runs). */
export function errorBody(error: AppError): { code: string; message: string } {
  return { code: error.code, message: error.message };
}

/** Listens and resolves with the bound port (port 0 picks a free one). */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Stops accepting connections, closes the idle ones and resolves when the last one has ended. */
export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** A URL host for the bound address: a wildcard bind is reached through loopback. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
