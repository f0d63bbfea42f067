// `npm run check`: fails when schema.graphql or src/generated/ is stale against the supergraph.
// `--supergraph <file>` compares against another supergraph, `--operations <dir>` against other
// operation documents (the staleness tests use them).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { operationsDir, outputFiles, runCodegen, sdkDir, supergraphPath } from './codegen.mjs';

async function readOrUndefined(file) {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (error && error.code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Relative paths whose committed copy differs from a fresh generation (missing counts as stale). */
export async function staleFiles(fromSupergraphPath = supergraphPath, fromOperationsDir = operationsDir) {
  const tempRoot = await mkdtemp(path.join(os.tmpdir(), 'walletgraph-sdk-codegen-'));
  try {
    await runCodegen(tempRoot, fromSupergraphPath, fromOperationsDir);
    const stale = [];
    for (const file of outputFiles) {
      const fresh = await readFile(path.join(tempRoot, file), 'utf8');
      const current = await readOrUndefined(path.join(sdkDir, file));
      if (current !== fresh) stale.push(file);
    }
    return stale;
  } finally {
    await rm(tempRoot, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const flag = (name, fallback) => {
    const index = process.argv.indexOf(name);
    return index === -1 ? fallback : path.resolve(process.argv[index + 1] ?? '');
  };
  const stale = await staleFiles(flag('--supergraph', supergraphPath), flag('--operations', operationsDir));
  if (stale.length > 0) {
    process.stderr.write(
      `sdk: stale against gateway/supergraph.graphql and src/operations: ${stale.join(', ')}; run \`npm run generate -w @walletgraph/sdk\` and commit ${stale.filter((file) => !file.startsWith('src/generated/')).join(', ') || 'nothing else'}\n`,
    );
    process.exit(1);
  }
  process.stderr.write('sdk: generated code is up to date\n');
}
