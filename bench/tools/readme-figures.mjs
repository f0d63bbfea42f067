#!/usr/bin/env node
// `node bench/tools/readme-figures.mjs --check`: exit 1 when README.md's benchmark figures are not
// those of bench/results/latest.json; `--write` regenerates them (npm run bench -- --record does).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withFigures, writeReadmeFigures } from '../lib/readme-figures.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readmeFile = path.join(root, 'README.md');
const latestFile = path.join(root, 'bench/results/latest.json');
const mode = process.argv[2];
if (mode === '--write') writeReadmeFigures(readmeFile, latestFile);
else if (mode === '--check') {
  const readme = readFileSync(readmeFile, 'utf8');
  if (withFigures(readme, JSON.parse(readFileSync(latestFile, 'utf8'))) !== readme) {
    console.error('README.md benchmark figures differ from bench/results/latest.json: run node bench/tools/readme-figures.mjs --write');
    process.exit(1);
  }
  console.log('README.md benchmark figures match bench/results/latest.json');
} else {
  console.error('usage: readme-figures.mjs --check | --write');
  process.exit(2);
}
