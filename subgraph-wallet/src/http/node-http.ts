import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError, BadUserInputError } from '@walletgraph/platform';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:/+=-]{1,128}$/;

export class PayloadTooLargeError extends BadUserInputError {}

/** The caller's x-request-id when it is sane, otherwise a fresh one. */
export function requestIdOf(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && REQUEST_ID_PATTERN.test(value) ? value : randomUUID();
}

export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers[name];
  return Array.isArray(header) ? header[0] : header;
}

/** Reads the whole body, refusing more than `bytesMax` (never buffering past the limit). */
export async function readBody(req: IncomingMessage, bytesMax: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > bytesMax) throw new PayloadTooLargeError(`request body exceeds ${bytesMax} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > bytesMax) throw new PayloadTooLargeError(`request body exceeds ${bytesMax} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

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
