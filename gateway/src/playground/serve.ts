import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { gatewayDir } from '../supergraph/compose.js';

export const publicDir = path.join(gatewayDir, 'public');
export const assetPrefix = '/playground/';
/** Generated per request, never a file: what the page needs from this gateway's configuration. */
export const runtimeConfigPath = '/playground/config.js';

/** Read by the page before GraphiQL starts (see client/main.tsx). */
export interface PlaygroundRuntimeConfig {
  /** JSON text for GraphiQL's headers editor. */
  readonly headers: string;
}

/** Outside dev mode the editor only shows where a token goes; no credential is ever served. */
export const placeholderHeaders = JSON.stringify({ Authorization: 'Bearer <paste a token: npm run token -- --admin>' }, null, 2);

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** Everything the page may load comes from this server; the policy makes the browser enforce it. */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self' ws: wss:",
].join('; ');

/** Browsers ask for HTML; GraphQL clients ask for JSON (or send nothing in particular). */
export function wantsPlayground(request: IncomingMessage): boolean {
  return request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`) : Promise.resolve([`${prefix}${entry.name}`]),
    ),
  );
  return nested.flat();
}

/**
 * Serves the GraphiQL bundle built into gateway/public by the build step. Only files present at
 * start are served (no path from the URL ever reaches the file system), read once and kept.
 */
export interface PlaygroundConfig {
  readonly dir: string;
  /** Dev mode: headers prefilled with a fresh admin token; otherwise the placeholder. */
  readonly runtimeConfig?: () => Promise<PlaygroundRuntimeConfig>;
}

export async function createPlayground(config: PlaygroundConfig = { dir: publicDir }) {
  const files = new Set(await listFiles(config.dir));
  const loaded = new Map<string, Buffer>();
  const send = async (response: ServerResponse, name: string): Promise<void> => {
    let body = loaded.get(name);
    if (body === undefined) {
      body = await readFile(path.join(config.dir, name));
      loaded.set(name, body);
    }
    response.writeHead(200, {
      'content-type': contentTypes[path.extname(name)] ?? 'application/octet-stream',
      'content-length': body.length,
      'content-security-policy': contentSecurityPolicy,
      'cache-control': name === 'index.html' ? 'no-cache' : 'public, max-age=3600',
    });
    response.end(body);
  };
  return {
    built: files.has('index.html'),
    async page(response: ServerResponse): Promise<void> {
      if (!files.has('index.html')) {
        response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('The playground is not built: run npm run build -w @walletgraph/gateway\n');
        return;
      }
      await send(response, 'index.html');
    },
    /** false when the path is not a playground asset. */
    async asset(pathname: string, response: ServerResponse): Promise<boolean> {
      if (!pathname.startsWith(assetPrefix)) return false;
      if (pathname === runtimeConfigPath) {
        const runtime = (await config.runtimeConfig?.()) ?? { headers: placeholderHeaders };
        const body = `window.__WALLETGRAPH_PLAYGROUND__ = ${JSON.stringify(runtime).replace(/</g, '\\u003c')};\n`;
        response.writeHead(200, {
          'content-type': contentTypes['.js'] ?? 'text/javascript',
          'content-length': Buffer.byteLength(body),
          'content-security-policy': contentSecurityPolicy,
          'cache-control': 'no-store',
        });
        response.end(body);
        return true;
      }
      const name = pathname.slice(assetPrefix.length);
      if (!files.has(name) || name === 'index.html') return false;
      await send(response, name);
      return true;
    },
  };
}

export type Playground = Awaited<ReturnType<typeof createPlayground>>;
