#!/usr/bin/env node
// Container health probe: exits 0 when the URL answers 2xx within the deadline, 1 otherwise.
// The images carry no curl or wget, and Node 20 has fetch, so the probe is Node itself.
//   node deploy/healthcheck.mjs http://127.0.0.1:4001/health/ready [timeoutMs]
const [url, timeoutArg] = process.argv.slice(2);
const timeoutMs = Number(timeoutArg ?? 4_000);

if (!url || !/^https?:\/\//.test(url) || !Number.isInteger(timeoutMs) || timeoutMs <= 0) {
  process.stderr.write('usage: node deploy/healthcheck.mjs <http-url> [timeoutMs]\n');
  process.exit(2);
}

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) process.stderr.write(`${url} answered ${response.status}\n`);
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  process.stderr.write(`${url} did not answer: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
