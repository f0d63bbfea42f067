// A real Zipkin server for the tracing suite (scripts/lib/zipkin.mjs: the cached exec jar, started
// by a small Node process that stops it on SIGTERM) and a reader of its v2 API.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const repoRoot = path.resolve(__dirname, '../..');
const START_TIMEOUT_MS = 150_000;

export interface ZipkinServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** What OTEL_EXPORTER_ZIPKIN_ENDPOINT names: <url>/api/v2/spans */
  readonly spansUrl: string;
  stop(): Promise<void>;
}

/** One span as Zipkin's API v2 returns it (names lower-cased by Zipkin; times in microseconds). */
export interface ZipkinSpan {
  readonly traceId: string;
  readonly id: string;
  readonly parentId?: string;
  readonly name?: string;
  readonly kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  readonly timestamp: number;
  readonly duration?: number;
  readonly localEndpoint?: { readonly serviceName?: string };
  readonly tags?: Readonly<Record<string, string>>;
}

export async function startTestZipkin(port: number): Promise<ZipkinServer> {
  const script = `import { startZipkin } from './scripts/lib/zipkin.mjs';
    const zipkin = await startZipkin({ port: ${port}, log: (line) => process.stderr.write(line + '\\n') });
    process.on('SIGTERM', () => { void zipkin.stop().then(() => process.exit(0)); });
    console.log(JSON.stringify({ url: zipkin.url, spansUrl: zipkin.spansUrl }));`;
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Zipkin did not start within ${START_TIMEOUT_MS} ms: ${stderr}`)), START_TIMEOUT_MS);
    readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Zipkin starter exited (${code}): ${stderr}`));
    });
  });
  const { url, spansUrl } = JSON.parse(first) as { url: string; spansUrl: string };
  return {
    url,
    spansUrl,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** GET /api/v2/trace/{traceId}: the trace's spans, [] while Zipkin knows none. */
export async function fetchTrace(zipkinUrl: string, traceId: string): Promise<ZipkinSpan[]> {
  const response = await fetch(`${zipkinUrl}/api/v2/trace/${traceId}`);
  if (response.status === 404) return [];
  if (response.status !== 200) throw new Error(`Zipkin answered ${response.status} for trace ${traceId}`);
  return (await response.json()) as ZipkinSpan[];
}

/** Polls the trace until `complete(spans)` holds (spans arrive in export batches, from several processes). */
export async function waitForTrace(
  zipkinUrl: string,
  traceId: string,
  complete: (spans: readonly ZipkinSpan[]) => boolean,
  timeoutMs = 20_000,
): Promise<ZipkinSpan[]> {
  const deadline = Date.now() + timeoutMs;
  let spans: ZipkinSpan[] = [];
  while (Date.now() < deadline) {
    spans = await fetchTrace(zipkinUrl, traceId);
    if (complete(spans)) return spans;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`trace ${traceId} incomplete after ${timeoutMs} ms: ${spans.map((s) => `${s.localEndpoint?.serviceName}/${s.name}`).join(', ')}`);
}
