import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError, BadUserInputError } from '@walletgraph/platform/core';
import { headerOf as platformHeaderOf, readBodyBounded, requestIdFrom } from '@walletgraph/platform/http';

export { sendJson } from '@walletgraph/platform/http';

export class PayloadTooLargeError extends BadUserInputError {}

/** The caller's x-request-id when it is sane, otherwise a fresh one. */
export function requestIdOf(req: IncomingMessage): string {
  return requestIdFrom(req.headers);
}

export function headerOf(req: IncomingMessage, name: string): string | undefined {
  return platformHeaderOf(req.headers, name);
}

/** Reads the whole body, refusing more than `bytesMax` (never buffering past the limit). */
export async function readBody(req: IncomingMessage, bytesMax: number): Promise<string> {
  const body = await readBodyBounded(req, bytesMax);
  if (!body.ok) throw new PayloadTooLargeError(`request body exceeds ${bytesMax} bytes`);
  return body.text;
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
