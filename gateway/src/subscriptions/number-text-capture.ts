import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { hasInexactJsonNumber, parseJsonKeepingNumberText } from '@walletgraph/platform/core';

/** Subscribe messages with exact number texts waiting for onSubscribe, per socket. */
const pendingNumberTextsMax = 64;

/**
 * graphql-ws parses each message with JSON.parse, which loses the text of a number such as
 * `0.10000000000000001`. A listener registered before graphql-ws's own sees the same raw message
 * first; a subscribe message holding a fraction or exponent is parsed again keeping those texts
 * (parseJsonKeepingNumberText), and its variables are handed to onSubscribe by message id.
 */
export function createNumberTextCapture(wss: WebSocketServer) {
  const pending = new WeakMap<WebSocket, Map<string, Record<string, unknown>>>();
  wss.on('connection', (socket: WebSocket) => {
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? undefined : textOf(data);
      if (text === undefined || !hasInexactJsonNumber(text)) return;
      let message: unknown;
      try {
        message = parseJsonKeepingNumberText(text);
      } catch {
        return; // graphql-ws answers an unparsable message itself
      }
      const { type, id, payload } = (typeof message === 'object' && message !== null ? message : {}) as {
        type?: unknown;
        id?: unknown;
        payload?: { variables?: unknown };
      };
      const variables = payload?.variables;
      if (type !== 'subscribe' || typeof id !== 'string' || typeof variables !== 'object' || variables === null) return;
      const bySocket = pending.get(socket) ?? new Map<string, Record<string, unknown>>();
      pending.set(socket, bySocket);
      if (bySocket.size >= pendingNumberTextsMax) bySocket.delete(bySocket.keys().next().value as string);
      bySocket.set(id, variables as Record<string, unknown>);
    });
  });
  return {
    take(socket: WebSocket, id: string): Record<string, unknown> | undefined {
      const bySocket = pending.get(socket);
      const variables = bySocket?.get(id);
      bySocket?.delete(id);
      return variables;
    },
  };
}

/** A text frame's payload: one Buffer with ws's default binaryType (the others for completeness). */
function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
}
