// A real Zipkin server (in-memory storage) for local development and the tracing test: the
// io.zipkin:zipkin-server exec jar, resolved once with Maven (like the Kafka jars) into
//   ${WALLETGRAPH_CACHE_DIR:-~/.cache/walletgraph}/zipkin-<version>/zipkin-server-<version>-exec.jar
// and run with `java -Xmx256m -jar … --server.port=<port>`.
//
// Exports:
//   resolveZipkinJar({ version, cacheDir, log })               -> { jar, downloaded }
//   startZipkin({ port, host, version, cacheDir, log, timeoutMs }) -> { url, spansUrl, pid, stop() }
//     (the JVM is killed when this Node process exits)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

import { defaultCacheDir } from './kafka.mjs';
import { killWithDeadline, sleep, which } from './proc.mjs';

export const DEFAULT_ZIPKIN_VERSION = '3.5.1';
const DEPENDENCY_COPY = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy';
const defaultLog = (line) => process.stdout.write(`[zipkin] ${line}\n`);

export class ZipkinSetupError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ZipkinSetupError';
  }
}

/** The cached exec jar of `version`; Maven is called only when it is missing (~130 MB, first run). */
export function resolveZipkinJar({ version = DEFAULT_ZIPKIN_VERSION, cacheDir = defaultCacheDir(), log = defaultLog } = {}) {
  const dir = path.join(cacheDir, `zipkin-${version}`);
  const jar = path.join(dir, `zipkin-server-${version}-exec.jar`);
  if (existsSync(jar) && statSync(jar).size > 1_000_000) return { jar, downloaded: false };
  const mvn = which(process.env.MVN || 'mvn');
  if (!mvn) throw new ZipkinSetupError('mvn (Apache Maven) was not found on PATH: it is needed once to download the Zipkin server jar (apt-get install maven)');
  const tmp = path.join(dir, `tmp-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  log(`resolving io.zipkin:zipkin-server:${version}:exec with Maven into ${dir} (first run only, ~130 MB)…`);
  const res = spawnSync(mvn, ['-B', '-q', DEPENDENCY_COPY, `-Dartifact=io.zipkin:zipkin-server:${version}:jar:exec`, `-DoutputDirectory=${tmp}`], {
    encoding: 'utf8',
    timeout: 15 * 60_000,
  });
  const copied = existsSync(tmp) ? readdirSync(tmp).find((name) => name.endsWith('-exec.jar')) : undefined;
  if (res.status !== 0 || copied === undefined) {
    rmSync(tmp, { recursive: true, force: true });
    const tail = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-3).join(' | ');
    throw new ZipkinSetupError(`Maven could not resolve io.zipkin:zipkin-server:${version}:exec: ${tail || `exit ${res.status}`}`);
  }
  renameSync(path.join(tmp, copied), jar);
  rmSync(tmp, { recursive: true, force: true });
  return { jar, downloaded: true };
}

async function healthy(url) {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Starts Zipkin on host:port and resolves once /health answers 200. */
export async function startZipkin({ port = 9411, host = '127.0.0.1', version, cacheDir, log = defaultLog, timeoutMs = 120_000, heap = '-Xmx256m' } = {}) {
  const url = `http://${host}:${port}`;
  if (await healthy(url)) throw new ZipkinSetupError(`something already answers on ${url}: stop it or choose another ZIPKIN_PORT`);
  const { jar } = resolveZipkinJar({ version, cacheDir, log });
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : which('java');
  if (!java) throw new ZipkinSetupError('java was not found on PATH: Zipkin needs Java 17+');
  const child = spawn(java, [heap, '-jar', jar, `--server.port=${port}`, `--server.address=${host}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const startedAt = Date.now();
  while (!(await healthy(url))) {
    if (child.exitCode !== null) throw new ZipkinSetupError(`Zipkin exited with ${child.exitCode}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    if (Date.now() - startedAt > timeoutMs) {
      child.kill('SIGKILL');
      throw new ZipkinSetupError(`Zipkin did not answer on ${url}/health within ${timeoutMs} ms`);
    }
    await sleep(250);
  }
  log(`Zipkin ${version ?? DEFAULT_ZIPKIN_VERSION} ready on ${url} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (pid ${child.pid})`);
  return {
    url,
    spansUrl: `${url}/api/v2/spans`,
    pid: child.pid,
    async stop() {
      process.off('exit', killOnExit);
      await killWithDeadline(child, { timeoutMs: 10_000, group: false });
    },
  };
}
