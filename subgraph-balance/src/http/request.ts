import type { IncomingMessage } from 'node:http';
import { BadUserInputError } from '@walletgraph/platform/core';
import { readBodyBounded, requestIdFrom } from '@walletgraph/platform/http';

export { sendJson } from '@walletgraph/platform/http';

/** The caller's x-request-id when sane, else a fresh one; echoed back on the response. */
export function requestIdOf(request: IncomingMessage): string {
  return requestIdFrom(request.headers);
}

/** Reads a request body up to a byte limit; larger bodies are refused, not buffered. */
export async function readBody(request: IncomingMessage, bytesMax: number): Promise<string> {
  const body = await readBodyBounded(request, bytesMax);
  if (!body.ok) throw new BadUserInputError(`request body exceeds ${bytesMax} bytes`);
  return body.text;
}
