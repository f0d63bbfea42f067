import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { isIpcMessage } from '../cluster-ipc.js';

/** IPC between a worker serving /metrics and the primary that gathers every worker's registry. */
type MetricsRequest = { readonly type: 'gateway:metrics-request'; readonly id: string };
type MetricsReply = { readonly type: 'gateway:metrics-reply'; readonly id: string; readonly text?: string; readonly error?: string };

const replyTimeoutMs = 5_000;

/** Primary side: answers a worker's request with the sum over all workers (prom-client's aggregator). */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isIpcMessage<MetricsRequest>(message, 'gateway:metrics-request')) return;
    aggregator
      .clusterMetrics()
      .then((text) => worker.send({ type: 'gateway:metrics-reply', id: message.id, text } satisfies MetricsReply))
      .catch((error: unknown) => worker.send({ type: 'gateway:metrics-reply', id: message.id, error: String(error) } satisfies MetricsReply));
  });
}

/**
 * Worker side: a scrape reaches one worker, which asks the primary for the whole cluster's
 * metrics; a single process answers from its own registry.
 */
export function createMetricsText(registry: Registry): () => Promise<string> {
  if (!cluster.isWorker) return () => registry.metrics();
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's worker-side listener that answers the primary.
  new AggregatorRegistry();
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = randomUUID();
      const onMessage = (message: unknown): void => {
        if (!isIpcMessage<MetricsReply>(message, 'gateway:metrics-reply') || message.id !== id) return;
        done();
        if (message.text !== undefined) resolve(message.text);
        else reject(new Error(`cluster metrics failed: ${message.error ?? 'no reply'}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no cluster metrics from the primary within ${replyTimeoutMs} ms`));
      }, replyTimeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        process.off('message', onMessage);
      };
      process.on('message', onMessage);
      process.send?.({ type: 'gateway:metrics-request', id } satisfies MetricsRequest);
    });
}
