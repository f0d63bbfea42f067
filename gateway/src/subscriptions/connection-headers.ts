import type { IncomingHttpHeaders } from 'node:http';
import { forwardedHeaderNames } from '../context/request-context.js';

/**
 * Browsers cannot set headers on a WebSocket, so clients may also send them in connectionParams,
 * either at the top level (`{ authorization }`) or under `headers`. Only forwarded names are taken.
 */
export function headersWithConnectionParams(
  upgradeHeaders: IncomingHttpHeaders,
  connectionParams: Readonly<Record<string, unknown>> | undefined,
): IncomingHttpHeaders {
  const merged: IncomingHttpHeaders = { ...upgradeHeaders };
  if (connectionParams === undefined) return merged;
  const nested = connectionParams['headers'];
  const sources = [connectionParams, typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>) : {}];
  for (const source of sources) {
    for (const [name, value] of Object.entries(source)) {
      const lower = name.toLowerCase();
      if (typeof value === 'string' && (forwardedHeaderNames as readonly string[]).includes(lower)) merged[lower] = value;
    }
  }
  return merged;
}
