// `node scripts/dist.mjs clean|mark`: empties dist/, or marks each half of the dual build with
// its module type so Node reads dist/esm as ESM and dist/cjs as CommonJS.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sdkDir } from './codegen.mjs';

const distDir = path.join(sdkDir, 'dist');
const command = process.argv[2];
if (command === 'clean') {
  await rm(distDir, { recursive: true, force: true });
} else if (command === 'mark') {
  for (const [dir, type] of [
    ['esm', 'module'],
    ['cjs', 'commonjs'],
  ]) {
    await mkdir(path.join(distDir, dir), { recursive: true });
    await writeFile(path.join(distDir, dir, 'package.json'), `${JSON.stringify({ type }, null, 2)}\n`);
  }
} else {
  process.stderr.write('usage: node scripts/dist.mjs clean|mark\n');
  process.exit(2);
}
