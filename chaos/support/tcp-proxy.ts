// A TCP proxy between the services and MariaDB. The machine's MariaDB is shared with other
// engineers and must never be restarted, so a "MariaDB restart" is simulated here: cut() closes
// the listener (new connections are refused, like a stopped server) and resets every open
// connection (like a server that went away mid-query); restore() listens again on the same port.
import net from 'node:net';

export interface TcpProxyOptions {
  readonly targetHost: string;
  readonly targetPort: number;
  /** 0 = any free port. */
  readonly listenPort?: number;
}

export interface TcpProxy {
  readonly port: number;
  /** Simulates the server going down: refuse new connections, reset the open ones. */
  cut(): Promise<void>;
  /** The server is back: accept connections again on the same port. */
  restore(): Promise<void>;
  isCut(): boolean;
  /** Client connections currently proxied. */
  connectionCount(): number;
  close(): Promise<void>;
}

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let cut = false;

  const onConnection = (client: net.Socket): void => {
    const upstream = net.connect({ host: options.targetHost, port: options.targetPort });
    open.add(client);
    open.add(upstream);
    const teardown = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', teardown).on('close', teardown);
    upstream.on('error', teardown).on('close', teardown);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  let server = net.createServer(onConnection);
  const port = await listen(server, options.listenPort ?? 0);

  const closeServer = (s: net.Server): Promise<void> => new Promise((resolve) => s.close(() => resolve()));
  const resetAll = (): void => {
    for (const socket of open) socket.resetAndDestroy();
    open.clear();
  };

  return {
    port,
    async cut() {
      if (cut) return;
      cut = true;
      const closing = closeServer(server);
      resetAll();
      await closing;
    },
    async restore() {
      if (!cut) return;
      server = net.createServer(onConnection);
      await listen(server, port);
      cut = false;
    },
    isCut: () => cut,
    connectionCount: () => [...open].length / 2,
    async close() {
      resetAll();
      if (!cut) await closeServer(server);
      cut = true;
    },
  };
}
