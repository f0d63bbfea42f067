// A real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) for
// local development and tests. Node builtins + kafkajs only.
//
// The broker jars are resolved once with Maven into a cache OUTSIDE the repo:
//   ${WALLETGRAPH_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/walletgraph}/kafka-<version>/libs
// A marker file (.libs-complete) is written only after a complete download, so later
// runs never call Maven again.
//
// Data layout of one broker (dataDir, default <cacheDir>/kafka-data-<port>):
//   cluster.id          cluster id, generated once
//   server.properties   rewritten on every start
//   kafka.pid           pid of the running JVM
//   kraft/              KRaft log dir (formatted once with kafka.tools.StorageTool)
//   logs/server.log     broker log (log4j2, rolled at 20 MB), logs/kafka.out = JVM stdout/stderr
//
// Exports:
//   resolveKafkaClasspath({ version, cacheDir, log })            -> { version, libsDir, classpath, downloaded }
//   startKafka({ port, controllerPort, host, dataDir, logDir, partitions, topics, log,
//                freshData, attached, version, cacheDir, heap, timeoutMs, autoCreateTopics })
//                                                               -> { brokers, pid, dataDir, logDir, reused, stop() }
//   stopKafka({ dataDir | port, cacheDir, timeoutMs, log })      -> { stopped: boolean, pid }
//   kafkaStatus({ dataDir | port, cacheDir })                    -> { running, pid, port, brokers, dataDir, logDir }
//   waitForKafka({ brokers, timeoutMs, log, isAlive })           -> describeCluster() result
//   ensureTopics({ brokers, topics, partitions, retentionMs, log }) -> string[] created topics
//   defaultCacheDir(), defaultDataDir(port, cacheDir), DEFAULT_KAFKA_VERSION, KafkaSetupError
//
// Reuse policy: if a broker started by us (pid file + live `kafka.Kafka` JVM using this
// data dir's server.properties) is already running with the same ports, startKafka()
// reuses it ({ reused: true }) unless freshData is set; with freshData, or when the
// ports differ, it is stopped first.
//
// Lifetime: attached=false (the CLI) leaves the JVM running after Node exits.
// attached=true (tests, `npm start`) ties the JVM to this Node process: it is killed on
// process 'exit', and a tiny watchdog process (fed by a pipe from this process) kills
// it if this process dies without running exit hooks (SIGKILL, crash).

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { isAlive, isPortFree, killWithDeadline, processArgs, sleep, tailFile, which } from './proc.mjs';

export const DEFAULT_KAFKA_VERSION = '4.1.1';
const LOG4J_VERSION = '2.24.3';
const SLF4J_VERSION = '2.0.17';
// Bump when the pom template changes so cached libs dirs are re-resolved.
const LIBS_RECIPE = 2;
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies';
const APPROX_DOWNLOAD_MB = 45;
const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const TEMPLATE_DIR = path.join(HERE, 'kafka');

/** Error whose message is one line meant to be shown to the user as-is. */
export class KafkaSetupError extends Error {
  constructor(message, details) {
    super(message);
    this.name = 'KafkaSetupError';
    this.code = 'KAFKA_SETUP';
    if (details) this.details = details;
  }
}

const defaultLog = (msg) => process.stdout.write(`[kafka] ${msg}\n`);

export function defaultCacheDir() {
  if (process.env.WALLETGRAPH_CACHE_DIR) return path.resolve(process.env.WALLETGRAPH_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'walletgraph');
}

export function defaultDataDir(port = 9092, cacheDir = defaultCacheDir()) {
  return path.join(cacheDir, `kafka-data-${port}`);
}

// ---------------------------------------------------------------------------
// Java / Maven
// ---------------------------------------------------------------------------

function findJava() {
  const fromHome = process.env.JAVA_HOME && path.join(process.env.JAVA_HOME, 'bin', 'java');
  const java = fromHome && existsSync(fromHome) ? fromHome : which('java');
  if (!java) {
    throw new KafkaSetupError(
      'java was not found on PATH: Kafka needs Java 17+ (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; or set JAVA_HOME)',
    );
  }
  const res = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 20_000 });
  const text = `${res.stderr || ''}${res.stdout || ''}`;
  const m = text.match(/version "(\d+)(?:\.(\d+))?/);
  if (m) {
    const major = m[1] === '1' ? Number(m[2]) : Number(m[1]);
    if (major < 17) {
      throw new KafkaSetupError(
        `${java} is Java ${major}; Kafka 4 needs Java 17+ (apt-get install openjdk-17-jre-headless, then set JAVA_HOME)`,
      );
    }
  }
  return java;
}

function dirSizeBytes(dir) {
  let total = 0;
  try {
    for (const name of readdirSync(dir)) {
      try {
        total += statSync(path.join(dir, name)).size;
      } catch {
        /* vanished */
      }
    }
  } catch {
    /* missing */
  }
  return total;
}

function runCapture(cmd, args, { cwd, timeoutMs, onTick, tickMs = 10_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (d) => {
      output += d.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const started = Date.now();
    const ticker = onTick ? setInterval(() => onTick(Date.now() - started), tickMs) : null;
    const killer = timeoutMs
      ? setTimeout(() => {
          output += `\n(timed out after ${Math.round(timeoutMs / 1000)}s)`;
          child.kill('SIGKILL');
        }, timeoutMs)
      : null;
    child.on('error', (err) => {
      clearInterval(ticker);
      clearTimeout(killer);
      resolve({ code: -1, output: `${output}\n${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearInterval(ticker);
      clearTimeout(killer);
      resolve({ code: code ?? (signal ? 128 : -1), output });
    });
  });
}

function lastLines(text, n) {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/\u001b\[[0-9;]*m/g, '').trimEnd())
    .filter((l) => l.trim().length)
    .slice(-n);
}

function libsComplete(marker, libsDir) {
  try {
    return JSON.parse(readFileSync(marker, 'utf8')).recipe === LIBS_RECIPE && existsSync(libsDir);
  } catch {
    return false;
  }
}

/**
 * Make sure the broker jars for `version` are in the cache; call Maven only when they are not.
 * Returns { version, libsDir, classpath, downloaded }.
 */
export async function resolveKafkaClasspath({ version = DEFAULT_KAFKA_VERSION, cacheDir = defaultCacheDir(), log = defaultLog } = {}) {
  const versionDir = path.join(cacheDir, `kafka-${version}`);
  const libsDir = path.join(versionDir, 'libs');
  const marker = path.join(versionDir, '.libs-complete');
  const result = (downloaded) => ({ version, libsDir, classpath: path.join(libsDir, '*'), downloaded });
  if (libsComplete(marker, libsDir)) return result(false);

  const mvn = which(process.env.MVN || 'mvn');
  if (!mvn) {
    throw new KafkaSetupError(
      'mvn (Apache Maven) was not found on PATH: it is needed once to download the Kafka jars (Debian/Ubuntu: apt-get install maven)',
    );
  }
  mkdirSync(versionDir, { recursive: true });
  const tmpLibs = path.join(versionDir, `libs.tmp-${process.pid}-${randomBytes(3).toString('hex')}`);
  const pomDir = path.join(versionDir, 'pom');
  mkdirSync(pomDir, { recursive: true });
  const pom = readFileSync(path.join(TEMPLATE_DIR, 'pom.xml.tmpl'), 'utf8')
    .replaceAll('@KAFKA_VERSION@', version)
    .replaceAll('@LOG4J_VERSION@', LOG4J_VERSION)
    .replaceAll('@SLF4J_VERSION@', SLF4J_VERSION);
  writeFileSync(path.join(pomDir, 'pom.xml'), pom);

  log(`resolving Kafka ${version} with Maven into ${libsDir} (first run only, ~${APPROX_DOWNLOAD_MB} MB)…`);
  const started = Date.now();
  const res = await runCapture(
    mvn,
    ['-B', '-q', '-U', '-f', path.join(pomDir, 'pom.xml'), DEPENDENCY_PLUGIN, `-DoutputDirectory=${tmpLibs}`, '-DincludeScope=runtime'],
    {
      cwd: pomDir,
      timeoutMs: 15 * 60_000,
      onTick: (ms) =>
        log(`  still resolving Kafka ${version} (${Math.round(ms / 1000)}s, ${(dirSizeBytes(tmpLibs) / 1e6).toFixed(0)} MB copied so far)…`),
    },
  );
  const jars = existsSync(tmpLibs) ? readdirSync(tmpLibs).filter((f) => f.endsWith('.jar')) : [];
  if (res.code !== 0 || !jars.some((j) => j.startsWith('kafka_2.13-'))) {
    rmSync(tmpLibs, { recursive: true, force: true });
    const boilerplate =
      /^\[ERROR\]\s*$|To see the full stack trace|Re-run Maven using|For more information about the errors|^\[ERROR\] \[Help \d+\]|^\[ERROR\] -> \[Help/;
    const tail = lastLines(res.output, 40).filter((l) => !boilerplate.test(l)).slice(-3);
    const reason = tail.length ? tail.join(' | ') : `exit code ${res.code}, no output`;
    throw new KafkaSetupError(`Maven could not resolve org.apache.kafka:kafka_2.13:${version}: ${reason}`, res.output);
  }
  if (libsComplete(marker, libsDir)) {
    // another process finished first; keep its copy
    rmSync(tmpLibs, { recursive: true, force: true });
    return result(false);
  }
  rmSync(libsDir, { recursive: true, force: true });
  renameSync(tmpLibs, libsDir);
  writeFileSync(
    marker,
    `${JSON.stringify({ version, recipe: LIBS_RECIPE, log4j: LOG4J_VERSION, slf4j: SLF4J_VERSION, jars: jars.length, bytes: dirSizeBytes(libsDir), at: new Date().toISOString() })}\n`,
  );
  log(
    `Kafka ${version}: ${jars.length} jars, ${(dirSizeBytes(libsDir) / 1e6).toFixed(0)} MB, resolved in ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
  return result(true);
}

// ---------------------------------------------------------------------------
// Broker files
// ---------------------------------------------------------------------------

function paths(dataDir, logDir) {
  return {
    dataDir,
    logDir: logDir || path.join(dataDir, 'logs'),
    kraftDir: path.join(dataDir, 'kraft'),
    props: path.join(dataDir, 'server.properties'),
    pidFile: path.join(dataDir, 'kafka.pid'),
    clusterIdFile: path.join(dataDir, 'cluster.id'),
  };
}

function newClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url'); // 22 chars, like org.apache.kafka.common.Uuid
    if (!id.startsWith('-')) return id;
  }
}

function readProps(file) {
  const out = {};
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = line.match(/^\s*([^#=\s][^=]*?)\s*=\s*(.*?)\s*$/);
      if (m) out[m[1]] = m[2];
    }
  } catch {
    /* missing */
  }
  return out;
}

function serverProperties({ host, port, controllerPort, kraftDir, partitions, autoCreateTopics }) {
  return `# Generated by scripts/lib/kafka.mjs on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${host}:${controllerPort}
listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}
advertised.listeners=PLAINTEXT://${host}:${port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=${kraftDir}

num.partitions=${partitions}
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=${autoCreateTopics ? 'true' : 'false'}
delete.topic.enable=true

offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

log.retention.hours=168
log.segment.bytes=134217728
log.retention.check.interval.ms=300000
num.network.threads=3
num.io.threads=4
`;
}

function isKafkaJvm(pid, propsFile) {
  if (!isAlive(pid)) return false;
  const args = processArgs(pid);
  if (!args.length) return true; // no /proc: trust the pid file
  return args.includes('kafka.Kafka') && (!propsFile || args.includes(propsFile));
}

/** Pid of our broker for this data dir: from the pid file, else by scanning /proc. */
function findRunningBroker(p) {
  try {
    const pid = Number(readFileSync(p.pidFile, 'utf8').trim());
    if (isKafkaJvm(pid, p.props)) return pid;
  } catch {
    /* no pid file */
  }
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const args = processArgs(Number(name));
      if (args.includes('kafka.Kafka') && args.includes(p.props) && isAlive(Number(name))) return Number(name);
    }
  } catch {
    /* no /proc */
  }
  return null;
}

function jvmArgs({ heap, logDir, classpath, fastStart = false }) {
  return [
    `-Xmx${heap}`,
    '-Xms64m',
    '-XX:+UseSerialGC',
    ...(fastStart ? ['-XX:TieredStopAtLevel=1'] : []),
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    '-Dfile.encoding=UTF-8',
    `-Dlog4j2.configurationFile=${path.join(TEMPLATE_DIR, 'log4j2.xml')}`,
    `-Dkafka.logs.dir=${logDir}`,
    '-cp',
    classpath,
  ];
}

async function formatStorage({ java, classpath, p, heap, log }) {
  if (existsSync(path.join(p.kraftDir, 'meta.properties'))) return false;
  let clusterId = existsSync(p.clusterIdFile) ? readFileSync(p.clusterIdFile, 'utf8').trim() : '';
  if (!clusterId) {
    clusterId = newClusterId();
    writeFileSync(p.clusterIdFile, `${clusterId}\n`);
  }
  log(`formatting KRaft storage in ${p.kraftDir} (cluster id ${clusterId})…`);
  const res = await runCapture(
    java,
    [
      ...jvmArgs({ heap: '256m', logDir: p.logDir, classpath, fastStart: true }),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      p.props,
      '--ignore-formatted',
    ],
    { timeoutMs: 120_000 },
  );
  if (res.code !== 0) {
    throw new KafkaSetupError(
      `kafka-storage format failed (exit ${res.code}): ${lastLines(res.output, 6).join(' | ') || 'no output'}`,
      res.output,
    );
  }
  return true;
}

// ---------------------------------------------------------------------------
// kafkajs helpers
// ---------------------------------------------------------------------------

async function loadKafkajs() {
  try {
    return await import('kafkajs');
  } catch (err) {
    throw new KafkaSetupError(`cannot load kafkajs (${err.message}); run npm install at the repo root`);
  }
}

async function makeKafka(brokers, { connectionTimeout = 2000, requestTimeout = 10_000, retries = 0 } = {}) {
  const { Kafka, logLevel } = await loadKafkajs();
  return new Kafka({
    clientId: 'walletgraph-kafka-script',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout,
    requestTimeout,
    retry: { retries },
  });
}

async function withAdmin(brokers, fn, opts) {
  const admin = (await makeKafka(brokers, opts)).admin();
  try {
    await admin.connect();
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Poll until a kafkajs admin client can describeCluster() on `brokers`.
 * isAlive (optional) aborts early when the broker process is gone.
 */
export async function waitForKafka({ brokers = ['127.0.0.1:9092'], timeoutMs = 60_000, log = defaultLog, isAlive: alive, progressMs = 5000 } = {}) {
  const started = Date.now();
  let lastProgress = started;
  let lastError;
  for (;;) {
    try {
      const cluster = await withAdmin(brokers, (admin) => admin.describeCluster(), { connectionTimeout: 1000, requestTimeout: 3000 });
      if (cluster.brokers.length > 0) return cluster;
      lastError = new Error('no brokers in cluster metadata yet');
    } catch (err) {
      if (err instanceof KafkaSetupError) throw err;
      lastError = err;
    }
    if (alive && !alive()) throw new Error(`Kafka process exited before ${brokers.join(',')} became ready`);
    const now = Date.now();
    if (now - started >= timeoutMs) {
      throw new Error(`Kafka at ${brokers.join(',')} not ready after ${Math.round(timeoutMs / 1000)}s (${lastError?.message ?? 'unknown error'})`);
    }
    if (now - lastProgress >= progressMs) {
      lastProgress = now;
      log(`  waiting for Kafka on ${brokers.join(',')} (${Math.round((now - started) / 1000)}s)…`);
    }
    await sleep(250);
  }
}

/**
 * Create missing topics (replication 1, cleanup.policy=delete, retention.ms 7 days) and grow
 * existing ones that have fewer than `partitions` partitions.
 * topics: string names or { topic, numPartitions?, configEntries? }. Returns the created names.
 */
export async function ensureTopics({
  brokers = ['127.0.0.1:9092'],
  topics = ['transactions', 'balances'],
  partitions = 3,
  retentionMs = SEVEN_DAYS_MS,
  log = defaultLog,
  timeoutMs = 30_000,
} = {}) {
  const wanted = topics.map((t) => (typeof t === 'string' ? { topic: t } : t));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await withAdmin(brokers, async (admin) => {
        const existing = new Set(await admin.listTopics());
        const missing = wanted.filter((t) => !existing.has(t.topic));
        if (missing.length) {
          await admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((t) => ({
              topic: t.topic,
              numPartitions: t.numPartitions ?? partitions,
              replicationFactor: 1,
              configEntries: [
                { name: 'cleanup.policy', value: 'delete' },
                { name: 'retention.ms', value: String(retentionMs) },
                ...(t.configEntries ?? []),
              ],
            })),
          });
          log(`created topics ${missing.map((t) => `${t.topic}(${t.numPartitions ?? partitions})`).join(', ')}`);
        }
        const present = wanted.filter((t) => existing.has(t.topic));
        if (present.length) {
          const meta = await admin.fetchTopicMetadata({ topics: present.map((t) => t.topic) });
          const grow = [];
          for (const tm of meta.topics) {
            const want = present.find((t) => t.topic === tm.name).numPartitions ?? partitions;
            if (tm.partitions.length < want) grow.push({ topic: tm.name, count: want });
          }
          if (grow.length) {
            await admin.createPartitions({ topicPartitions: grow });
            log(`grew partitions: ${grow.map((g) => `${g.topic}->${g.count}`).join(', ')}`);
          }
        }
        return missing.map((t) => t.topic);
      });
    } catch (err) {
      if (err instanceof KafkaSetupError || Date.now() >= deadline) throw err;
      await sleep(500);
    }
  }
}

/**
 * Make the broker create and load __consumer_offsets and __transaction_state now (it does
 * so lazily on the first FindCoordinator / InitProducerId), so the first consumer group or
 * idempotent producer of an app or test starts without kafkajs logging "group coordinator
 * is not available" / "coordinator is loading" retries. Best effort, bounded.
 */
async function warmCoordinators(brokers, warmTopic, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  const retrying = async (fn) => {
    while (Date.now() < deadline) {
      try {
        await fn();
        return true;
      } catch {
        await sleep(200);
      }
    }
    return false;
  };
  const ok = await withAdmin(brokers, async (admin) => {
    // kafkajs needs cluster metadata before its first FindCoordinator ("No brokers in the broker pool")
    await admin.fetchTopicMetadata({ topics: [] });
    return retrying(() => admin.fetchOffsets({ groupId: 'walletgraph-kafka-warmup' }));
  }).catch(() => false);
  const producer = (await makeKafka(brokers, { retries: 2 })).producer({
    transactionalId: 'walletgraph-kafka-warmup',
    idempotent: true,
    maxInFlightRequests: 1,
  });
  // InitProducerId makes the controller hand out the first producer-id block; an (aborted)
  // AddOffsetsToTxn makes kafkajs look up the transaction coordinator, which creates
  // __transaction_state. Nothing is written to application topics.
  const txOk = await retrying(async () => {
    await producer.connect();
    if (!warmTopic) return;
    const tx = await producer.transaction();
    try {
      await tx.sendOffsets({
        consumerGroupId: 'walletgraph-kafka-warmup',
        topics: [{ topic: warmTopic, partitions: [{ partition: 0, offset: '0' }] }],
      });
    } finally {
      await tx.abort().catch(() => {});
    }
  }).catch(() => false);
  await producer.disconnect().catch(() => {});
  return ok && txOk;
}

// ---------------------------------------------------------------------------
// Start / stop
// ---------------------------------------------------------------------------

// Runs in a separate tiny node process. argv: parentPid jvmPid graceMs.
// Kills the JVM's process group when the parent's pipe closes (parent died) or the parent
// pid disappears; exits by itself as soon as the JVM is gone.
const WATCHDOG_SOURCE = `
const fs = require('node:fs');
const [parent, jvm, grace] = process.argv.slice(1).map(Number);
const alive = (p) => {
  try { process.kill(p, 0); } catch (e) { if (e.code !== 'EPERM') return false; }
  try { const s = fs.readFileSync('/proc/' + p + '/stat', 'utf8'); const st = s[s.lastIndexOf(')') + 2]; if (st === 'Z' || st === 'X') return false; } catch {}
  return true;
};
const sig = (s) => { try { process.kill(-jvm, s); } catch { try { process.kill(jvm, s); } catch {} } };
let fired = false;
const fire = () => {
  if (fired) return; fired = true;
  sig('SIGTERM');
  const end = Date.now() + grace;
  const t = setInterval(() => {
    if (!alive(jvm)) process.exit(0);
    if (Date.now() > end) { sig('SIGKILL'); process.exit(0); }
  }, 200);
};
process.stdin.on('end', fire); process.stdin.on('error', fire); process.stdin.resume();
setInterval(() => { if (!alive(jvm)) process.exit(0); if (!alive(parent)) fire(); }, 1000);
`;

function startWatchdog(jvmPid, graceMs) {
  const wd = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, String(process.pid), String(jvmPid), String(graceMs)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  wd.on('error', () => {});
  wd.stdin.on('error', () => {});
  wd.unref();
  // the pipe must not keep this process's event loop alive
  wd.stdin._handle?.unref?.();
  return wd;
}

function handleFor({ p, pid, brokers, reused, attached, log, watchdog }) {
  let exitHook = null;
  if (attached) {
    exitHook = () => {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* gone */
        }
      }
    };
    process.on('exit', exitHook);
  }
  let stopping = null;
  return {
    brokers,
    pid,
    dataDir: p.dataDir,
    logDir: p.logDir,
    reused,
    stop({ timeoutMs = 15_000 } = {}) {
      stopping ??= (async () => {
        if (exitHook) process.off('exit', exitHook);
        const how = await killWithDeadline(pid, { timeoutMs, group: true, log });
        if (watchdog && watchdog.exitCode === null) {
          try {
            watchdog.kill('SIGKILL');
          } catch {
            /* gone */
          }
        }
        try {
          if (Number(readFileSync(p.pidFile, 'utf8').trim()) === pid) rmSync(p.pidFile, { force: true });
        } catch {
          /* no pid file */
        }
        return how;
      })();
      return stopping;
    },
  };
}

/**
 * Start (or reuse) a single-node KRaft broker and make sure `topics` exist.
 * Throws KafkaSetupError with a one-line message for setup problems (missing java/mvn, port taken...).
 */
export async function startKafka({
  port = 9092,
  controllerPort = port + 1,
  host = '127.0.0.1',
  dataDir,
  logDir,
  partitions = 3,
  topics = ['transactions', 'balances'],
  log = defaultLog,
  freshData = false,
  attached = false,
  version = DEFAULT_KAFKA_VERSION,
  cacheDir = defaultCacheDir(),
  heap = process.env.KAFKA_HEAP || '512m',
  timeoutMs = 60_000,
  autoCreateTopics = true,
} = {}) {
  port = Number(port);
  controllerPort = Number(controllerPort);
  const p = paths(path.resolve(dataDir || defaultDataDir(port, cacheDir)), logDir && path.resolve(logDir));
  const brokers = [`${host}:${port}`];

  // 1. a broker of ours already running on this data dir?
  const running = findRunningBroker(p);
  if (running) {
    const props = readProps(p.props);
    const samePorts =
      props.listeners === `PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`;
    if (samePorts && !freshData) {
      // A reused broker is never tied to this process (attached is ignored): it was started
      // by someone else (usually `node scripts/kafka.mjs start`). Its stop() still stops it.
      log(`reusing the Kafka broker already running on ${brokers[0]} (pid ${running})`);
      try {
        await waitForKafka({ brokers, timeoutMs, log, isAlive: () => isAlive(running) });
        if (topics.length) await ensureTopics({ brokers, topics, partitions, log });
      } catch (err) {
        throw new KafkaSetupError(
          `the broker already running on this data dir (pid ${running}) does not answer on ${brokers[0]} (${err.message}); stop it (node scripts/kafka.mjs stop) and retry`,
        );
      }
      return handleFor({ p, pid: running, brokers, reused: true, attached: false, log });
    }
    log(`stopping the previous broker on this data dir (pid ${running})…`);
    await killWithDeadline(running, { timeoutMs: 15_000, group: true, log });
    rmSync(p.pidFile, { force: true });
  } else {
    rmSync(p.pidFile, { force: true });
  }

  // 2. ports must be free: never wait on somebody else's server
  if (!(await isPortFree(port, host))) {
    throw new KafkaSetupError(`port ${port} is taken by another process; stop it or set KAFKA_PORT`);
  }
  if (!(await isPortFree(controllerPort, host))) {
    throw new KafkaSetupError(
      `port ${controllerPort} (Kafka controller) is taken by another process; stop it or set KAFKA_CONTROLLER_PORT / KAFKA_PORT`,
    );
  }

  // 3. jars + java
  const java = findJava();
  const { classpath } = await resolveKafkaClasspath({ version, cacheDir, log });

  // 4. data dir
  mkdirSync(p.dataDir, { recursive: true });
  if (freshData) {
    rmSync(p.kraftDir, { recursive: true, force: true });
    rmSync(p.clusterIdFile, { force: true });
  }
  mkdirSync(p.kraftDir, { recursive: true });
  mkdirSync(p.logDir, { recursive: true });
  writeFileSync(p.props, serverProperties({ host, port, controllerPort, kraftDir: p.kraftDir, partitions, autoCreateTopics }));
  await formatStorage({ java, classpath, p, heap, log });

  // 5. launch
  const started = Date.now();
  const outFile = path.join(p.logDir, 'kafka.out');
  const outFd = openSync(outFile, 'a');
  let child;
  try {
    child = spawn(java, [...jvmArgs({ heap, logDir: p.logDir, classpath }), 'kafka.Kafka', p.props], {
      cwd: p.dataDir,
      stdio: ['ignore', outFd, outFd],
      detached: true, // own process group: stop() signals the whole group
    });
  } finally {
    closeSync(outFd);
  }
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new KafkaSetupError(`could not start ${java}: ${err.message}`)));
  });
  const pid = child.pid;
  child.unref();
  writeFileSync(p.pidFile, `${pid}\n`);
  const watchdog = attached ? startWatchdog(pid, 15_000) : null;
  const handle = handleFor({ p, pid, brokers, reused: false, attached, log, watchdog });
  log(`started broker JVM pid ${pid} (Kafka ${version}, data ${p.dataDir}); waiting for ${brokers[0]}…`);

  // 6. ready?
  try {
    await waitForKafka({ brokers, timeoutMs, log, isAlive: () => child.exitCode === null && child.signalCode === null && isAlive(pid) });
    if (topics.length) await ensureTopics({ brokers, topics, partitions, log });
    await warmCoordinators(brokers, topics.length ? (typeof topics[0] === 'string' ? topics[0] : topics[0].topic) : null);
  } catch (err) {
    const died = child.exitCode !== null || child.signalCode !== null || !isAlive(pid);
    await handle.stop({ timeoutMs: 5000 });
    const tail = [tailFile(outFile, 5), tailFile(path.join(p.logDir, 'server.log'), 5)].filter(Boolean).join('\n');
    const what = died ? `Kafka exited during startup (exit ${child.exitCode ?? child.signalCode})` : err.message;
    throw new KafkaSetupError(`${what}; see ${p.logDir}/server.log`, tail || undefined);
  }
  log(`broker ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return handle;
}

/** Stop the broker recorded in dataDir's pid file (or found running with its server.properties). */
export async function stopKafka({ dataDir, port = 9092, cacheDir = defaultCacheDir(), timeoutMs = 15_000, log = defaultLog } = {}) {
  const p = paths(path.resolve(dataDir || defaultDataDir(port, cacheDir)));
  const pid = findRunningBroker(p);
  if (!pid) {
    rmSync(p.pidFile, { force: true });
    return { stopped: false, pid: null };
  }
  const how = await killWithDeadline(pid, { timeoutMs, group: true, log });
  rmSync(p.pidFile, { force: true });
  return { stopped: true, pid, how };
}

/** Is our broker for this data dir running? */
export function kafkaStatus({ dataDir, port = 9092, cacheDir = defaultCacheDir() } = {}) {
  const p = paths(path.resolve(dataDir || defaultDataDir(port, cacheDir)));
  const pid = findRunningBroker(p);
  const props = readProps(p.props);
  const listener = (props['advertised.listeners'] ?? '').replace(/^PLAINTEXT:\/\//, '');
  return {
    running: Boolean(pid),
    pid,
    port: Number(listener.split(':').pop()) || port,
    brokers: listener ? [listener] : [],
    dataDir: p.dataDir,
    logDir: p.logDir,
  };
}
