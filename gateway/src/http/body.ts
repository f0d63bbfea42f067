import type { ServerResponse } from 'node:http';
import { sendJson } from '@walletgraph/platform/http';
import { LimitCode } from '../limits/limit-errors.js';

export { readBodyBounded as readBody, sendJson, type BodyResult } from '@walletgraph/platform/http';

export function sendPayloadTooLarge(response: ServerResponse, bodyBytesMax: number, headers: Record<string, string> = {}): void {
  sendJson(
    response,
    413,
    { errors: [{ message: `request body is larger than ${bodyBytesMax} bytes`, extensions: { code: LimitCode.PAYLOAD_TOO_LARGE, max: bodyBytesMax } }] },
    { connection: 'close', ...headers },
  );
}
