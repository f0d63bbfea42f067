// WebSocket connections as a resource: one token opening socket after socket, and sockets that never
// authenticate. Subscriptions were bounded per caller and per process; connections were not, so a
// caller could hold thousands of idle sockets (buffers, graphql-ws state, file descriptors).
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { Fixture, Outcome, Row } from './harness';

/** The hostile stack's GATEWAY_WS_CONNECTIONS_PER_CALLER_MAX and GATEWAY_WS_CONNECTIONS_MAX (hostile.test.ts sets them). */
export const WS_CONNECTIONS_PER_CALLER_MAX = 8;
export const WS_CONNECTIONS_MAX = 60;

type Connected =
  | { readonly kind: 'ack'; readonly socket: WebSocket }
  | { readonly kind: 'open'; readonly socket: WebSocket }
  | { readonly kind: 'closed'; readonly code: number; readonly reason: string }
  | { readonly kind: 'refused'; readonly status: number; readonly code: string | undefined };

/**
 * One raw graphql-transport-ws connection. With a token: sends connection_init and resolves on the ack
 * or the close; without: resolves once the socket is open (it never authenticates). A refused upgrade
 * resolves with the HTTP status and the JSON body's code.
 */
function connect(f: Fixture, token: string | undefined): Promise<Connected> {
  const socket = new WebSocket(f.stack.wsUrl, 'graphql-transport-ws');
  return new Promise<Connected>((resolve) => {
    socket.on('error', () => undefined);
    socket.on('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => {
        let code: string | undefined;
        try {
          code = (JSON.parse(text) as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code;
        } catch {
          code = `not JSON: ${text.slice(0, 80)}`;
        }
        resolve({ kind: 'refused', status: response.statusCode ?? 0, code });
      });
    });
    socket.on('open', () => {
      if (token === undefined) resolve({ kind: 'open', socket });
      else socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    });
    socket.on('message', (data) => {
      if ((JSON.parse((data as Buffer).toString('utf8')) as { type: string }).type === 'connection_ack') resolve({ kind: 'ack', socket });
    });
    socket.on('close', (code, reason) => resolve({ kind: 'closed', code, reason: reason.toString('utf8') }));
  });
}

const socketOf = (connected: Connected): WebSocket | undefined => ('socket' in connected ? connected.socket : undefined);

/**
 * A caller (a token of its own) opens its maximum of connections, then one more: that one is closed
 * with 1013 and CONNECTION_LIMIT_EXCEEDED, while another caller still connects; once the flooder
 * closes one of its connections it may open another.
 */
async function oneCallerOpensTooMany(f: Fixture): Promise<Outcome> {
  const token = await f.sign({ role: 'client', subject: `hostile-sockets-${randomUUID()}`, clientId: f.owner.clientId });
  const held: WebSocket[] = [];
  try {
    for (let i = 0; i < WS_CONNECTIONS_PER_CALLER_MAX; i += 1) {
      const connected = await connect(f, token);
      if (connected.kind !== 'ack') return { code: `connection ${i + 1} of the caller's maximum was not accepted: ${JSON.stringify(connected)}` };
      held.push(connected.socket);
    }
    const overLimit = await connect(f, token);
    if (overLimit.kind !== 'closed') return { code: `a connection over the caller's maximum was ${overLimit.kind}, not closed` };
    const other = await connect(f, f.token('owner'));
    socketOf(other)?.terminate();
    if (other.kind !== 'ack') return { code: `another caller could not connect beside the flood: ${other.kind}` };
    const closing = held.pop() as WebSocket;
    await new Promise<void>((resolve) => {
      closing.once('close', () => resolve());
      closing.close(1000);
    });
    const again = await connect(f, token);
    socketOf(again)?.terminate();
    if (again.kind !== 'ack') return { code: `after closing one, the caller could not connect again: ${again.kind}` };
    return { close: overLimit.code, code: overLimit.reason.split(':')[0] as string };
  } finally {
    for (const socket of held) socket.terminate();
  }
}

/**
 * Sockets that never send connection_init, opened until the gateway refuses the upgrade: the refusal
 * is HTTP 503 with a JSON code before any WebSocket work; once they are closed, connections are
 * accepted again.
 */
async function unauthenticatedSocketsFillTheProcess(f: Fixture): Promise<Outcome> {
  const held: WebSocket[] = [];
  try {
    // All at once, so none reaches graphql-ws's 3 s connection_init timeout before the bound is hit;
    // sockets of other rows may still be closing, hence a margin over the maximum.
    const results = await Promise.all(Array.from({ length: WS_CONNECTIONS_MAX + 10 }, () => connect(f, undefined)));
    for (const connected of results) if (connected.kind === 'open') held.push(connected.socket);
    const refused = results.find((connected): connected is Extract<Connected, { kind: 'refused' }> => connected.kind === 'refused');
    if (refused === undefined) return { code: `${held.length} sockets held, none refused` };
    await Promise.all(
      held.splice(0).map(
        (socket) =>
          new Promise<void>((resolve) => {
            socket.once('close', () => resolve());
            socket.terminate();
          }),
      ),
    );
    // The gateway counts a socket down when it sees the close: retry briefly rather than race it.
    let after: Connected = await connect(f, f.token('owner'));
    for (let attempt = 0; after.kind === 'refused' && attempt < 40; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await connect(f, f.token('owner'));
    }
    socketOf(after)?.terminate();
    if (after.kind !== 'ack') return { code: `after the sockets closed, a caller could not connect: ${after.kind}` };
    return { status: refused.status, code: refused.code ?? 'no code' };
  } finally {
    for (const socket of held) socket.terminate();
  }
}

export const connectionRows: readonly Row[] = [
  {
    name: 'one caller opening WebSocket after WebSocket is closed with 1013 past its maximum; others still connect',
    transport: 'custom',
    run: oneCallerOpensTooMany,
    expect: { close: 1013, code: 'CONNECTION_LIMIT_EXCEEDED' },
  },
  {
    name: 'sockets that never authenticate cannot hold more than the process maximum: 503 at the upgrade',
    transport: 'custom',
    run: unauthenticatedSocketsFillTheProcess,
    expect: { status: 503, code: 'CONNECTION_LIMIT_EXCEEDED' },
  },
];
