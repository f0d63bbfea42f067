import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '@walletgraph/platform/core';

/** The SDK's manifest, committed: sdk/persisted-query-manifest.json (from src/ or dist/ alike). */
export const defaultManifestFile = path.resolve(__dirname, '..', '..', '..', 'sdk', 'persisted-query-manifest.json');

/** Far above any real app's operation count; a manifest beyond it is a mistake, not a safelist. */
const OPERATIONS_MAX = 10_000;

/**
 * Apollo's persisted query manifest format (what `@apollo/generate-persisted-query-manifest`
 * writes and GraphOS accepts), so another tool can produce the same file.
 */
const manifestSchema = z.object({
  format: z.literal('apollo-persisted-query-manifest'),
  version: z.literal(1),
  operations: z
    .array(
      z.object({
        id: z.string().regex(/^[0-9a-f]{64}$/, 'must be the sha256 hex digest of body'),
        name: z.string().min(1),
        type: z.enum(['query', 'mutation', 'subscription']),
        body: z.string().min(1),
      }),
    )
    .max(OPERATIONS_MAX),
});

export interface TrustedDocument {
  readonly id: string;
  readonly name: string;
  readonly type: 'query' | 'mutation' | 'subscription';
  readonly body: string;
}

/** The documents callers may be limited to, by id (sha256 hex of the body). */
export interface TrustedDocuments {
  get(id: string): TrustedDocument | undefined;
  readonly size: number;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Parses and checks a manifest: the format, and that every id is the sha256 of its body. */
export function parseManifest(text: string, source: string): TrustedDocuments {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error: unknown) {
    throw new ConfigError(`the trusted-documents manifest ${source} is not JSON: ${String(error)}`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(
      `the trusted-documents manifest ${source} is not an Apollo persisted query manifest: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
  const byId = new Map<string, TrustedDocument>();
  for (const operation of parsed.data.operations) {
    if (sha256Hex(operation.body) !== operation.id)
      throw new ConfigError(
        `the trusted-documents manifest ${source}: ${operation.name} has id ${operation.id}, but its body hashes to ${sha256Hex(operation.body)}`,
      );
    byId.set(operation.id, operation);
  }
  return { get: (id) => byId.get(id), size: byId.size };
}

export async function loadManifest(filePath: string = defaultManifestFile): Promise<TrustedDocuments> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error: unknown) {
    throw new ConfigError(
      `cannot read the trusted-documents manifest at ${filePath} (GATEWAY_TRUSTED_DOCUMENTS_PATH; the SDK's build writes sdk/persisted-query-manifest.json): ${String(error)}`,
    );
  }
  return parseManifest(text, filePath);
}
