import { readFile } from 'node:fs/promises';
import { ConfigError } from '@walletgraph/platform/core';
import { supergraphFile } from './compose.js';

/** Reads the supergraph composed at build time; the gateway never introspects running subgraphs. */
export async function loadSupergraphSdl(filePath: string = supergraphFile): Promise<string> {
  try {
    return await readFile(filePath, 'utf8');
  } catch (error: unknown) {
    throw new ConfigError(`cannot read the supergraph at ${filePath} (run npm run build -w @walletgraph/gateway): ${String(error)}`);
  }
}
