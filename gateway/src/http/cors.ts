import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerOf } from '@walletgraph/platform/http';
import { sendJson } from './body.js';

/** Request headers a cross-origin caller may send (what the SDK, GraphiQL and tracing use). */
const ALLOWED_REQUEST_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'x-request-id',
  'traceparent',
  'tracestate',
  'apollo-require-preflight',
  'x-apollo-operation-name',
] as const;
/** Response headers a cross-origin caller may read. */
const EXPOSED_RESPONSE_HEADERS = ['x-request-id', 'retry-after', 'www-authenticate', 'traceresponse'] as const;
const ALLOWED_METHODS = 'GET, POST, OPTIONS';
/** How long a browser may cache a preflight answer. */
const PREFLIGHT_MAX_AGE_S = 600;

export interface Cors {
  /**
   * Answers a CORS preflight (OPTIONS with Access-Control-Request-Method) and returns true;
   * for any other request sets the headers an allowed origin needs and returns false.
   */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
}

/**
 * Exact-origin CORS. Bearer tokens travel in the Authorization header, never in cookies, so no
 * credentials mode is offered. With no origins configured the gateway is same-origin only: a
 * cross-origin preflight gets 403 with a JSON reason, other requests get no CORS headers.
 */
export function createCors(origins: readonly string[]): Cors {
  const allowed = new Set(origins);
  return {
    handle(request, response) {
      const origin = headerOf(request.headers, 'origin');
      const isPreflight = request.method === 'OPTIONS' && headerOf(request.headers, 'access-control-request-method') !== undefined;
      if (origin === undefined) return false;
      const isAllowed = allowed.has(origin);
      if (isAllowed) {
        response.setHeader('access-control-allow-origin', origin);
        response.setHeader('access-control-expose-headers', EXPOSED_RESPONSE_HEADERS.join(', '));
      }
      response.setHeader('vary', 'origin');
      if (!isPreflight) return false;
      if (!isAllowed) {
        sendJson(response, 403, {
          errors: [{ message: `origin ${origin} may not call this gateway (GATEWAY_CORS_ORIGINS)`, extensions: { code: 'FORBIDDEN' } }],
        });
        return true;
      }
      const requested = (headerOf(request.headers, 'access-control-request-headers') ?? '')
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter((name) => name !== '');
      const refused = requested.filter((name) => !(ALLOWED_REQUEST_HEADERS as readonly string[]).includes(name));
      if (refused.length > 0) {
        sendJson(response, 403, {
          errors: [{ message: `request header(s) not allowed cross-origin: ${refused.join(', ')}`, extensions: { code: 'FORBIDDEN' } }],
        });
        return true;
      }
      response.writeHead(204, {
        'access-control-allow-methods': ALLOWED_METHODS,
        'access-control-allow-headers': ALLOWED_REQUEST_HEADERS.join(', '),
        'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
      });
      response.end();
      return true;
    },
  };
}
