import type { ServerResponse } from 'node:http';
import { sendJson } from './body.js';

export interface SubgraphProbeTarget {
  readonly name: string;
  readonly httpUrl: string;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly supergraphLoaded: boolean;
  readonly subgraphs: Readonly<Record<string, { readonly reachable: boolean; readonly error?: string }>>;
}

export interface ReadinessDeps {
  readonly targets: readonly SubgraphProbeTarget[];
  readonly supergraphLoaded: () => boolean;
  /** The gateway's own signed identity: subgraphs answer nothing without one. */
  readonly probeHeaders: () => Promise<Readonly<Record<string, string>>>;
}

const probeQuery = JSON.stringify({ query: 'query __ApolloServiceHealthCheck__ { __typename }' });

async function probe(
  target: SubgraphProbeTarget,
  timeoutMs: number,
  extraHeaders: Readonly<Record<string, string>>,
): Promise<{ reachable: boolean; error?: string }> {
  try {
    const response = await fetch(target.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true', ...extraHeaders },
      body: probeQuery,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    return response.ok ? { reachable: true } : { reachable: false, error: `HTTP ${response.status}` };
  } catch (error: unknown) {
    return { reachable: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Ready = supergraph loaded and every subgraph answers `{ __typename }` within the timeout.
 * Concurrent probes share one in-flight check, so a burst of probes cannot fan out to subgraphs.
 */
export function createReadiness(deps: ReadinessDeps, config: { readonly readinessTimeoutMs: number }) {
  let inFlight: Promise<ReadinessReport> | undefined;
  const check = async (): Promise<ReadinessReport> => {
    const supergraphLoaded = deps.supergraphLoaded();
    const headers = await deps.probeHeaders();
    const results = await Promise.all(deps.targets.map(async (target) => [target.name, await probe(target, config.readinessTimeoutMs, headers)] as const));
    const subgraphs = Object.fromEntries(results);
    return { ready: supergraphLoaded && results.every(([, result]) => result.reachable), supergraphLoaded, subgraphs };
  };
  return {
    check: (): Promise<ReadinessReport> => {
      inFlight ??= check().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}

export type Readiness = ReturnType<typeof createReadiness>;

export async function handleReady(readiness: Readiness, response: ServerResponse): Promise<void> {
  const report = await readiness.check();
  sendJson(response, report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'not ready', ...report }, { 'cache-control': 'no-store' });
}

export function handleLive(response: ServerResponse): void {
  sendJson(response, 200, { status: 'live', pid: process.pid }, { 'cache-control': 'no-store' });
}
