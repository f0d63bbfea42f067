// Build step: bundles GraphiQL (React, Monaco and its workers, CSS, fonts) into gateway/public/,
// which the gateway serves itself. Nothing is loaded from a CDN at run time.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { gatewayDir } from '../supergraph/compose.js';
import { publicDir } from './serve.js';

const clientDir = path.join(gatewayDir, 'src', 'playground', 'client');

const workers: Readonly<Record<string, string>> = {
  'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
  'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
  'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
};

const indexHtml = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>walletgraph playground</title>
    <link rel="stylesheet" href="/playground/main.css" />
    <style>html, body, #root { height: 100%; margin: 0; }</style>
  </head>
  <body>
    <div id="root"></div>
    <script src="/playground/config.js"></script>
    <script type="module" src="/playground/main.js"></script>
  </body>
</html>
`;

async function main(): Promise<void> {
  const common: BuildOptions = {
    bundle: true,
    minify: true,
    sourcemap: false,
    platform: 'browser',
    target: ['es2022'],
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
    absWorkingDir: gatewayDir,
  };
  await rm(publicDir, { recursive: true, force: true });
  await mkdir(publicDir, { recursive: true });
  await build({
    ...common,
    entryPoints: { main: path.join(clientDir, 'main.tsx') },
    outdir: publicDir,
    format: 'esm',
    jsx: 'automatic',
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file', '.png': 'file' },
  });
  // Classic (iife) workers: every browser can start them from a plain URL.
  await build({ ...common, entryPoints: workers, outdir: publicDir, format: 'iife' });
  await writeFile(path.join(publicDir, 'index.html'), indexHtml);
  process.stdout.write(`playground built: ${publicDir}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`playground build failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
