import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { getOperationAST, print, type DocumentNode } from 'graphql';
import { ClientErrorCode, NetworkError, WalletError } from '../errors.js';
import { resolveHeaders, type ResolvedOptions } from '../options.js';
import { persistedDocuments } from '../generated/persisted-documents.js';
import { dataFromHttpResponse } from './response.js';

export interface PreparedDocument {
  readonly query: string;
  readonly operationName: string | undefined;
  readonly operationType: 'query' | 'mutation' | 'subscription';
  /** The trusted-documents manifest id (sha256 of `query`) of the SDK's own operations. */
  readonly id: string | undefined;
}

/** Apollo's way to name a persisted document: the gateway finds the text by this id. */
export function persistedQueryExtension(id: string): { readonly persistedQuery: { readonly version: 1; readonly sha256Hash: string } } {
  return { persistedQuery: { version: 1, sha256Hash: id } };
}

// Documents are module-level constants, so this stays as small as the set of documents in use.
const preparedByDocument = new WeakMap<DocumentNode, PreparedDocument>();

export function prepareDocument(document: DocumentNode): PreparedDocument {
  const cached = preparedByDocument.get(document);
  if (cached !== undefined) return cached;
  const operation = getOperationAST(document);
  if (operation === null || operation === undefined) throw new TypeError('the document must contain exactly one operation');
  // The SDK's own operations go out exactly as the manifest lists them (their hash is their id);
  // other documents (request() with a document of the caller's) as graphql prints them.
  const persisted = persistedDocuments.get(document);
  const prepared: PreparedDocument = {
    query: persisted?.body ?? print(document),
    operationName: operation.name?.value,
    operationType: operation.operation,
    id: persisted?.id,
  };
  preparedByDocument.set(document, prepared);
  return prepared;
}

export interface HttpTransport {
  /** One attempt, no retry: the caller knows whether the operation is safe to repeat. */
  execute<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables): Promise<TResult>;
}

async function readBody(response: { headers: { get(name: string): string | null }; text(): Promise<string> }, bytesMax: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > bytesMax) throw new WalletError(ClientErrorCode.BAD_RESPONSE, `response of ${declared} bytes exceeds responseBytesMax ${bytesMax}`);
  const text = await response.text();
  // Without a content-length the size is only known afterwards; still refuse to hand it on.
  if (text.length > bytesMax) throw new WalletError(ClientErrorCode.BAD_RESPONSE, `response exceeds responseBytesMax ${bytesMax}`);
  return text;
}

export function createHttpTransport(options: ResolvedOptions): HttpTransport {
  return {
    async execute<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables): Promise<TResult> {
      const { query, operationName, id } = prepareDocument(document);
      // By id only when asked, and only for documents the manifest holds.
      const operationText = options.documentIdsOnly && id !== undefined ? { extensions: persistedQueryExtension(id) } : { query };
      const headers = {
        ...(await resolveHeaders(options.headers)),
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
      };
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), options.requestTimeoutMs);
      try {
        const response = await options.fetch(options.url, {
          method: 'POST',
          headers,
          body: JSON.stringify({ ...operationText, variables: variables ?? {}, ...(operationName === undefined ? {} : { operationName }) }),
          signal: controller.signal,
        });
        const text = await readBody(response, options.responseBytesMax);
        return dataFromHttpResponse(response.status, text) as TResult;
      } catch (error: unknown) {
        if (error instanceof WalletError) throw error;
        const timedOut = controller.signal.aborted;
        const reason = timedOut ? `timed out after ${options.requestTimeoutMs} ms` : error instanceof Error ? error.message : String(error);
        throw new NetworkError(`request to ${options.url} failed: ${reason}`, { cause: error, timedOut });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
