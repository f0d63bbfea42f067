import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context/request-context.js';
import type { TrustedDocuments } from './manifest.js';
import type { TrustedDocumentError, TrustedDocumentPolicy } from './policy.js';

const ID_LENGTH = 64;

/** The part of Apollo's KeyValueCache the APQ store uses. */
export interface QueryTextCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, options?: { ttl?: number | null }): Promise<void>;
  delete(key: string): Promise<boolean | void>;
}

/**
 * Apollo Server's APQ cache, with the manifest in front of it: an id-only request for a trusted
 * document finds its text there in every mode (so the SDK may send ids only), and a trusted
 * document is never copied into the bounded cache.
 */
export function withTrustedDocuments(cache: QueryTextCache, documents: TrustedDocuments): QueryTextCache {
  // Apollo prefixes its keys (`apq:<sha256>`); the id is the key's last 64 characters.
  const trusted = (key: string) => documents.get(key.slice(-ID_LENGTH));
  return {
    get: async (key) => trusted(key)?.body ?? cache.get(key),
    set: async (key, value, options) => {
      if (trusted(key) === undefined) await cache.set(key, value, options);
    },
    delete: (key) => cache.delete(key),
  };
}

/**
 * Refuses, before the plan runs, a document a restricted caller may not run. Apollo has parsed
 * and validated it by then (cached per document text); the body limit bounds that work.
 */
export function createTrustedDocumentsPlugin(deps: {
  readonly policy: TrustedDocumentPolicy;
  readonly onRejected?: (error: TrustedDocumentError) => void;
}): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, queryHash, contextValue, operationName }) {
          if (!deps.policy.restricts(contextValue.identity)) return;
          // Apollo's queryHash is the sha256 of the text it runs: computed from a sent body, or the
          // id of a body it found by id (whose hash it checked when it was stored).
          const error = deps.policy.check(queryHash, request.query === undefined);
          if (error === undefined) return;
          deps.onRejected?.(error);
          contextValue.logger.warn(
            { code: error.code, documentId: queryHash, operationName: operationName ?? undefined },
            'document refused: not a trusted document',
          );
          throw error;
        },
      };
    },
  };
}
