// How a WebSocket or SSE client sees an operation the gateway refuses before running it.
import type { LiveSubscription } from './client';

/**
 * WebSocket: an `error` message (the stream ends with the errors); SSE (graphql-sse): HTTP 400 with
 * the errors as JSON; either way, the refusal as text with its codes.
 */
export async function refusalOf(live: LiveSubscription, timeoutMs = 5_000): Promise<string> {
  const outcome = await Promise.race([live.ended.then((end) => ({ end })), live.next(timeoutMs).then((event) => ({ event }))]);
  if ('event' in outcome) return JSON.stringify(outcome.event.errors);
  const { error } = outcome.end;
  const response = (error as { response?: { status?: number; text?: () => Promise<string> } } | undefined)?.response;
  if (response?.text !== undefined) return `${response.status} ${await response.text()}`;
  return JSON.stringify(error);
}

/** One sample of a Prometheus text exposition, 0 when absent. */
export function metricValue(metricsText: string, sample: string): number {
  const line = metricsText.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}
