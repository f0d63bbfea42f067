#!/usr/bin/env node
// npm test: builds, then runs the whole Jest suite once against real infrastructure started by
// scripts/jest/global-setup.mjs (a fresh Kafka broker and fresh databases), and ends with
// the line "N passed, N failed". Extra arguments go to Jest (e.g. npm test -- --selectProjects wallet).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, buildEnv } from './lib/build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultFile = path.join(os.tmpdir(), `walletgraph-jest-${process.pid}.json`);

try {
  if (process.env.SKIP_BUILD !== '1') await build();
} catch (error) {
  console.error(error.message);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const args = [path.join(root, 'node_modules/jest/bin/jest.js'), '--json', `--outputFile=${resultFile}`, ...process.argv.slice(2)];
if (process.env.CI) args.push('--ci');
const child = spawn(process.execPath, args, { cwd: root, env: buildEnv({ NODE_ENV: 'test' }), stdio: 'inherit' });
// Jest writes its results when the run is over. A test that leaves a handle open (a pool, a socket)
// keeps Jest alive forever after that; past this grace the run is ended and counted as failed, so
// the leak is reported instead of holding CI until its time limit.
const EXIT_GRACE_MS = 90_000;
let hung = false;
const exitWatch = setInterval(() => {
  if (!existsSync(resultFile)) return;
  clearInterval(exitWatch);
  setTimeout(() => {
    hung = true;
    console.error(`Jest did not exit ${EXIT_GRACE_MS / 1000} s after the run: a test left a handle open (find it with --detectOpenHandles); stopping it`);
    child.kill('SIGKILL');
  }, EXIT_GRACE_MS).unref();
}, 2_000);
exitWatch.unref();
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code, signal) => {
  let passed = 0;
  let failed = 0;
  try {
    const result = JSON.parse(readFileSync(resultFile, 'utf8'));
    passed = result.numPassedTests;
    failed = result.numFailedTests + result.numRuntimeErrorTestSuites;
    rmSync(resultFile, { force: true });
  } catch {
    failed = Math.max(1, failed);
  }
  const exitCode = hung ? 1 : (code ?? (signal ? 1 : 0));
  if (exitCode !== 0 && failed === 0) failed = 1;
  const summary = `${passed} passed, ${failed} failed`;
  console.log(summary);
  if (process.env.WALLETGRAPH_SUMMARY_FILE) writeFileSync(process.env.WALLETGRAPH_SUMMARY_FILE, `${summary}\n`);
  process.exit(exitCode);
});
