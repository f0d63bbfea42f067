import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { createConnectionBounds, WS_CLOSE_TRY_AGAIN_LATER } from './connection-bounds';

/** A socket as far as the bounds see one: it can be closed, and says so. */
function fakeSocket() {
  const emitter = new EventEmitter();
  const closes: Array<{ code: number; reason: string }> = [];
  const socket = Object.assign(emitter, {
    close(code: number, reason: string) {
      closes.push({ code, reason });
      emitter.emit('close');
    },
  });
  return { socket: socket as unknown as WebSocket, closes, drop: () => emitter.emit('close') };
}

function fakeUpgradeSocket() {
  const written: string[] = [];
  return { socket: { end: (text: string) => written.push(text) } as unknown as Duplex, written };
}

describe('WebSocket connection bounds', () => {
  it('refuses an upgrade with a JSON 503 once the process holds its maximum, and admits again after a close', () => {
    const bounds = createConnectionBounds({ connectionsMax: 2, connectionsPerCallerMax: 10 });
    const first = fakeSocket();
    const second = fakeSocket();
    for (const s of [first, second]) {
      expect(bounds.admitUpgrade(fakeUpgradeSocket().socket)).toBe(true);
      bounds.track(s.socket);
    }
    const refused = fakeUpgradeSocket();
    expect(bounds.admitUpgrade(refused.socket)).toBe(false);
    expect(refused.written[0]).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    const body = JSON.parse(refused.written[0]?.split('\r\n\r\n')[1] ?? '') as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]?.extensions.code).toBe('CONNECTION_LIMIT_EXCEEDED');
    first.drop();
    expect(bounds.open()).toBe(1);
    expect(bounds.admitUpgrade(fakeUpgradeSocket().socket)).toBe(true);
  });

  it("closes a caller's connection over its maximum with 1013 and the code, counts callers apart, and frees a slot on close", () => {
    const bounds = createConnectionBounds({ connectionsMax: 100, connectionsPerCallerMax: 2 });
    const a1 = fakeSocket();
    const a2 = fakeSocket();
    const a3 = fakeSocket();
    expect(bounds.admitCaller(a1.socket, 'client:a')).toBe(true);
    expect(bounds.admitCaller(a2.socket, 'client:a')).toBe(true);
    expect(bounds.admitCaller(a3.socket, 'client:a')).toBe(false);
    expect(a3.closes).toEqual([{ code: WS_CLOSE_TRY_AGAIN_LATER, reason: 'CONNECTION_LIMIT_EXCEEDED: at most 2 connections per caller' }]);
    expect(bounds.admitCaller(fakeSocket().socket, 'client:b')).toBe(true);
    a1.drop();
    expect(bounds.admitCaller(fakeSocket().socket, 'client:a')).toBe(true);
  });
});
