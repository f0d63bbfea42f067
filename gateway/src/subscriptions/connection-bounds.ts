import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { LimitCode } from '../limits/limit-errors.js';
import { createKeyedSlots, createSlots } from './slots.js';

/**
 * WebSocket close code for a caller over its connection bound: RFC 6455's "Try Again Later". A
 * client that retries (graphql-ws does, with back-off) gets in once one of its connections closes.
 */
export const WS_CLOSE_TRY_AGAIN_LATER = 1013;

export interface ConnectionBoundsConfig {
  /** Open WebSockets of the process, authenticated or not (GATEWAY_WS_CONNECTIONS_MAX). */
  readonly connectionsMax: number;
  /** Authenticated WebSockets of one caller (GATEWAY_WS_CONNECTIONS_PER_CALLER_MAX). */
  readonly connectionsPerCallerMax: number;
}

/**
 * How many WebSockets the gateway holds, in all and per caller. Before these bounds one token could
 * open connection after connection (each a socket, buffers and graphql-ws state) until memory or
 * file descriptors ran out; subscriptions were bounded, connections were not.
 */
export interface ConnectionBounds {
  /** At the upgrade, before any WebSocket work: false (and a 503 written to the socket) when the process is full. */
  admitUpgrade(socket: Duplex): boolean;
  /** Counts an accepted socket until it closes. */
  track(socket: WebSocket): void;
  /** After authentication: false (and the socket closed with 1013) when the caller holds its maximum. */
  admitCaller(socket: WebSocket, callerKey: string): boolean;
  open(): number;
  /** GATEWAY_WS_CONNECTIONS_MAX. */
  readonly max: number;
}

function refuseUpgrade(socket: Duplex, message: string): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code: LimitCode.CONNECTION_LIMIT_EXCEEDED } }] });
  socket.end(
    `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json; charset=utf-8\r\nretry-after: 1\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

export function createConnectionBounds(config: ConnectionBoundsConfig): ConnectionBounds {
  const sockets = createSlots(config.connectionsMax);
  const perCaller = createKeyedSlots(config.connectionsPerCallerMax);
  return {
    admitUpgrade(socket) {
      if (sockets.inUse() < sockets.max) return true;
      refuseUpgrade(socket, `the gateway holds its maximum of ${sockets.max} WebSocket connections; retry later (GATEWAY_WS_CONNECTIONS_MAX)`);
      return false;
    },
    track(socket) {
      sockets.tryAcquire();
      socket.once('close', () => sockets.release());
    },
    admitCaller(socket, callerKey) {
      if (!perCaller.tryAcquire(callerKey)) {
        // The reason is at most 123 bytes; the code leads so a client can tell it from other closes.
        socket.close(WS_CLOSE_TRY_AGAIN_LATER, `${LimitCode.CONNECTION_LIMIT_EXCEEDED}: at most ${perCaller.maxPerKey} connections per caller`);
        return false;
      }
      socket.once('close', () => perCaller.release(callerKey));
      return true;
    },
    open: () => sockets.inUse(),
    max: sockets.max,
  };
}
