import type { IncomingMessage } from 'node:http';
import { headerOf } from '@walletgraph/platform/http';

/** Largest version (a GraphQL Int). */
const VERSION_MAX = 2_147_483_647;

/**
 * `Last-Event-ID` of a distinct connection SSE request (EventSource sends it on reconnect): the
 * version to resume after. `undefined` when absent; `'invalid'` for anything but a version.
 */
export function lastEventIdOf(request: IncomingMessage): number | undefined | 'invalid' {
  const value = headerOf(request.headers, 'last-event-id');
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,10}$/.test(value)) return 'invalid';
  const version = Number(value);
  return version <= VERSION_MAX ? version : 'invalid';
}

/**
 * Gives each `next` event of a distinct connection stream the version it carries as its SSE
 * `id`. graphql-sse prints the events without ids; `record` runs in its onNext (one per event, in
 * order) and `label` on the printed chunks, in the same order.
 */
export function createSseEventIds() {
  const pending = new WeakMap<IncomingMessage, Array<number | undefined>>();
  return {
    record(request: IncomingMessage, version: number | undefined): void {
      const queue = pending.get(request) ?? [];
      queue.push(version);
      pending.set(request, queue);
    },
    label(request: IncomingMessage, chunk: string): string {
      if (!chunk.startsWith('event: next')) return chunk;
      const version = pending.get(request)?.shift();
      return version === undefined ? chunk : `id: ${version}\n${chunk}`;
    },
  };
}
