import type { Identity } from '@walletgraph/platform/auth';
import { TrustedDocumentCode, type TrustedDocumentPolicy } from './policy.js';
import type { GraphQLError } from 'graphql';

/** What an HTTP request names as its document(s): a POST body (one operation or a batch), or a GET's search. */
export type HttpOperations = { readonly body: unknown } | { readonly search: URLSearchParams };

function operationsOf(request: HttpOperations): Array<{ query?: unknown; extensions?: unknown }> {
  if ('search' in request) {
    const extensionsText = request.search.get('extensions');
    let extensions: unknown;
    try {
      extensions = extensionsText === null ? undefined : JSON.parse(extensionsText);
    } catch {
      extensions = undefined;
    }
    return [{ query: request.search.get('query') ?? undefined, extensions }];
  }
  const operations = Array.isArray(request.body) ? (request.body as unknown[]) : [request.body];
  return operations.filter(
    (operation): operation is Record<string, unknown> => typeof operation === 'object' && operation !== null && !Array.isArray(operation),
  );
}

/**
 * For a caller limited to trusted documents: the refusal of the first document that is not one,
 * decided on the text (or id) as sent, before Apollo Server parses and validates anything. Apollo
 * checks only after validation, so a client could make the gateway parse and validate any text
 * of up to GATEWAY_BODY_BYTES_MAX (hundreds of ms of CPU for 100 KB of fields) and fill its document
 * cache. Anything else wrong with a request (no query, a bad hash) is left to Apollo to answer.
 */
export function untrustedDocumentBeforeParsing(policy: TrustedDocumentPolicy, identity: Identity, request: HttpOperations): GraphQLError | undefined {
  if (!policy.restricts(identity)) return undefined;
  for (const operation of operationsOf(request)) {
    const extensions =
      typeof operation.extensions === 'object' && operation.extensions !== null && !Array.isArray(operation.extensions)
        ? (operation.extensions as Record<string, unknown>)
        : undefined;
    const resolved = policy.resolve({ query: typeof operation.query === 'string' ? operation.query : undefined, extensions }, identity);
    if (!('error' in resolved)) continue;
    const code = resolved.error.extensions['code'];
    if (code === TrustedDocumentCode.PERSISTED_QUERY_NOT_IN_LIST || code === TrustedDocumentCode.PERSISTED_QUERY_NOT_FOUND) return resolved.error;
  }
  return undefined;
}
