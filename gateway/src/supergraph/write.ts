// Build step: compose the subgraphs' SDL files and write gateway/supergraph.graphql (committed).
import { readFile, writeFile } from 'node:fs/promises';
import { CompositionError, composeFromFiles, supergraphFile } from './compose.js';

async function main(): Promise<void> {
  const supergraph = await composeFromFiles();
  const previous = await readFile(supergraphFile, 'utf8').catch(() => '');
  if (previous === supergraph) {
    process.stdout.write(`supergraph unchanged: ${supergraphFile}\n`);
    return;
  }
  await writeFile(supergraphFile, supergraph);
  process.stdout.write(`supergraph written: ${supergraphFile}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof CompositionError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
