import type { IncomingMessage, ServerResponse } from 'node:http';
import { LimitCode } from './limit-errors.js';

export type BodyResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly receivedBytes: number };

/** Reads at most `bodyBytesMax` bytes; stops reading (and says so) as soon as the bound is passed. */
export function readBody(request: IncomingMessage, bodyBytesMax: number): Promise<BodyResult> {
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
    request.on('error', (error: unknown) => {
      if (done) return;
      done = true;
      reject(error);
    });
  });
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

export function sendPayloadTooLarge(response: ServerResponse, bodyBytesMax: number, headers: Record<string, string> = {}): void {
  sendJson(
    response,
    413,
    { errors: [{ message: `request body is larger than ${bodyBytesMax} bytes`, extensions: { code: LimitCode.PAYLOAD_TOO_LARGE, max: bodyBytesMax } }] },
    { connection: 'close', ...headers },
  );
}
