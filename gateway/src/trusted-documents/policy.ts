import { GraphQLError } from 'graphql';
import type { Identity } from '@walletgraph/platform/auth';
import type { TrustedDocumentsConfig } from '../config.js';
import { sha256Hex, type TrustedDocuments } from './manifest.js';

/** Apollo Router's persisted-query codes, where their meaning is ours. */
export const TrustedDocumentCode = {
  /** A full document whose hash is not in the manifest, from a caller limited to it (Router: 403). */
  PERSISTED_QUERY_NOT_IN_LIST: 'PERSISTED_QUERY_NOT_IN_LIST',
  /** An id (`extensions.persistedQuery.sha256Hash`) that names no trusted document (Router: 404). */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
} as const;
export type TrustedDocumentCode = (typeof TrustedDocumentCode)[keyof typeof TrustedDocumentCode];

export class TrustedDocumentError extends GraphQLError {
  readonly code: TrustedDocumentCode;
  constructor(code: TrustedDocumentCode, message: string, documentId: string | undefined) {
    const status = code === TrustedDocumentCode.PERSISTED_QUERY_NOT_FOUND ? 404 : 403;
    super(message, { extensions: { code, ...(documentId === undefined ? {} : { documentId }), http: { status } } });
    this.name = 'TrustedDocumentError';
    this.code = code;
  }
}

/** What a WebSocket or SSE client sent as its document: the text, or an id (Apollo's APQ extension). */
export interface DocumentPayload {
  readonly query?: string | null | undefined;
  readonly extensions?: Readonly<Record<string, unknown>> | null | undefined;
}

/** `extensions.persistedQuery.sha256Hash`, as Apollo's clients send a persisted document's id. */
export function persistedQueryId(extensions: DocumentPayload['extensions']): string | undefined {
  const persistedQuery = extensions?.['persistedQuery'];
  if (typeof persistedQuery !== 'object' || persistedQuery === null) return undefined;
  const hash = (persistedQuery as { sha256Hash?: unknown }).sha256Hash;
  return typeof hash === 'string' ? hash : undefined;
}

export interface TrustedDocumentPolicy {
  readonly documents: TrustedDocuments;
  /** Whether this caller may run manifest documents only (GATEWAY_TRUSTED_DOCUMENTS). */
  restricts(identity: Identity): boolean;
  /**
   * For a restricted caller: the refusal of a document that is not trusted, or undefined.
   * `hash` is the sha256 hex of the text that will run; `sentById` says how the caller named it.
   */
  check(hash: string, sentById: boolean): TrustedDocumentError | undefined;
  /**
   * WebSocket and SSE (no APQ there): the text to run, found by id in the manifest when the caller
   * sent an id only, and checked against the manifest for a restricted caller.
   */
  resolve(payload: DocumentPayload, identity: Identity): { readonly source: string } | { readonly error: GraphQLError };
}

/** Apollo Server's message for it; the code is Apollo Router's (see http/format-error.ts). */
function hashMismatchError(): GraphQLError {
  return new GraphQLError('provided sha does not match query', { extensions: { code: 'PERSISTED_QUERY_HASH_MISMATCH', http: { status: 400 } } });
}

function manifestHint(mode: TrustedDocumentsConfig['mode']): string {
  return `GATEWAY_TRUSTED_DOCUMENTS=${mode}: ${mode === 'all' ? 'every caller' : 'a caller with role client'} may run only the operations of the trusted-documents manifest (the SDK's, sdk/persisted-query-manifest.json)`;
}

export function createTrustedDocumentPolicy(documents: TrustedDocuments, config: Pick<TrustedDocumentsConfig, 'mode'>): TrustedDocumentPolicy {
  const restricts = (identity: Identity): boolean => config.mode === 'all' || (config.mode === 'clients' && identity.role === 'client');
  const notFound = (id: string) =>
    new TrustedDocumentError(
      TrustedDocumentCode.PERSISTED_QUERY_NOT_FOUND,
      `no trusted document has id ${id}; send the document's text, or an id from the manifest the gateway serves`,
      id,
    );
  const check = (hash: string, sentById: boolean): TrustedDocumentError | undefined => {
    if (documents.get(hash) !== undefined) return undefined;
    if (sentById) return notFound(hash);
    return new TrustedDocumentError(
      TrustedDocumentCode.PERSISTED_QUERY_NOT_IN_LIST,
      `this document is not a trusted document (${manifestHint(config.mode)}); its sha256 is ${hash}`,
      hash,
    );
  };
  return {
    documents,
    restricts,
    check,
    resolve(payload, identity) {
      const id = persistedQueryId(payload.extensions);
      if (typeof payload.query === 'string' && payload.query !== '') {
        // Text and an id together: the id must be the text's hash, as Apollo Server checks it over
        // HTTP (before, WebSocket and SSE ran the text and ignored a wrong id).
        const persistedQuery = payload.extensions?.['persistedQuery'];
        if (typeof persistedQuery === 'object' && persistedQuery !== null && id !== sha256Hex(payload.query)) return { error: hashMismatchError() };
        const error = restricts(identity) ? check(sha256Hex(payload.query), false) : undefined;
        return error === undefined ? { source: payload.query } : { error };
      }
      if (id === undefined)
        return {
          error: new GraphQLError('the operation has no query: send its text, or a trusted document id in extensions.persistedQuery.sha256Hash', {
            extensions: { code: 'BAD_REQUEST' },
          }),
        };
      const document = documents.get(id);
      return document === undefined ? { error: notFound(id) } : { source: document.body };
    },
  };
}
