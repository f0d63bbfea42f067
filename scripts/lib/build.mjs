// Runs the turbo build (Prisma generate, TypeScript, supergraph, playground bundle) with progress.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function buildEnv(extra = {}) {
  return {
    ...process.env,
    TURBO_TELEMETRY_DISABLED: '1',
    APOLLO_TELEMETRY_DISABLED: '1',
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/false',
    CHECKPOINT_DISABLE: '1',
    // The MariaDB driver formats and parses DATETIME in the process time zone; sessions run in UTC.
    TZ: 'UTC',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    ...extra,
  };
}

/** `turbo run build`; resolves on success, rejects with the failing output already printed. */
export function build(log = (line) => console.log(line)) {
  const started = Date.now();
  log('[build] turbo run build (generate Prisma clients, compile, compose supergraph, bundle playground)…');
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, 'node_modules/.bin/turbo'), ['run', 'build', '--output-logs=errors-only', '--log-prefix=task'], {
      cwd: root,
      env: buildEnv(),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', (error) => reject(new Error(`cannot run turbo: ${error.message} (did you run npm ci?)`)));
    child.on('exit', (code) => {
      if (code === 0) {
        log(`[build] done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        resolve();
      } else reject(new Error(`build failed (exit ${code}); see the output above`));
    });
  });
}
