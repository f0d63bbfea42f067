// Real Apache Kafka brokers (KRaft, combined broker+controller JVMs) for local development and
// tests: one node, or a cluster of three. Node builtins + kafkajs, plus the built platform package
// for the principals and ACLs (platform/src/kafka: credentials.ts, access.ts).
//
// Security, as in production: every client listener is SASL_PLAINTEXT with SCRAM-SHA-512 (users
// created at storage format time, `kafka-storage format --add-scram`), the controller listener is
// SASL/PLAIN (KRaft controllers cannot use SCRAM), the StandardAuthorizer with
// allow.everyone.if.no.acl.found=false, and `User:<broker>` the only super user. After start the
// broker principal grants the admin principal its rights; the admin principal then creates the
// topics and every service's ACLs (kafkajs createAcls: no JVM per call, the same code the test
// harnesses use). Credentials come from KAFKA_<PRINCIPAL>_USERNAME / _PASSWORD (development
// defaults outside production; see platform/src/kafka/credentials.ts); a data dir remembers a
// salted digest of them and refuses other credentials (start with freshData to re-create it).
//
// The broker jars are resolved once with Maven into a cache OUTSIDE the repo:
//   ${WALLETGRAPH_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/walletgraph}/kafka-<version>/libs
// A marker file (.libs-complete) is written only after a complete download, so later
// runs never call Maven again.
//
// Data layout of one cluster (dataDir, default <cacheDir>/kafka-data-<port>):
//   cluster.json                 cluster id, nodes and their ports, log root, credentials digest
//   node-<id>/server.properties  rewritten on every start (mode 0600: it holds the broker password)
//   node-<id>/kafka.pid          pid of the running JVM
//   node-<id>/kraft/             KRaft log dir (formatted once with kafka.tools.StorageTool)
//   node-<id>/logs/server.log    broker log (or <logDir>/node-<id>/), logs/kafka.out = JVM stdout/stderr
//
// Exports:
//   resolveKafkaClasspath({ version, cacheDir, log })       -> { version, libsDir, classpath, downloaded }
//   startKafka({ brokerCount, port, controllerPort, ports, host, dataDir, logDir, partitions, access,
//                log, freshData, attached, version, cacheDir, heapOpts, timeoutMs, env })
//                                                          -> { brokers, nodes, pid, dataDir, logDir, reused, stop() }
//   startKafkaNode({ dataDir, nodeId, timeoutMs, log, env }) -> { pid }   (one node of a cluster, detached)
//   stopKafkaNode({ dataDir, nodeId, signal, timeoutMs, log }) -> { stopped, pid, how }
//   stopKafka({ dataDir | port, cacheDir, timeoutMs, log })  -> { stopped: boolean, pids }
//   kafkaStatus({ dataDir | port, cacheDir })                -> { running, nodes, brokers, brokerCount, port, pid, dataDir, logDir }
//   activeControllerId({ dataDir })                          -> node id of the KRaft quorum leader (or null)
//   waitForKafka({ brokers, sasl, brokerCount, timeoutMs, log, isAlive }) -> describeCluster() result
//   waitForFullIsr({ brokers, sasl, topics, timeoutMs })     -> when every replica of `topics` is in sync
//   kafkaCredentials(env)                                    -> { broker, admin, wallet, balance, reconciler, observer }
//   upsertScramUsers({ brokers, users: [{ username, password }] }) (kafka-configs, as the broker principal)
//   defaultCacheDir(), defaultDataDir(port, cacheDir, brokerCount), DEFAULT_KAFKA_VERSION, KafkaSetupError
//
// Reuse policy: nodes of ours already running on this data dir with the same ports are reused
// ({ reused: true } when all were) unless freshData is set; stopped nodes of the cluster are
// started. A data dir made for another node count, other ports or other credentials is refused
// (freshData re-creates it).
//
// Lifetime: attached=false (the CLI, the chaos suite) leaves the JVMs running after Node exits.
// attached=true (tests, `npm start`) ties them to this Node process: they are killed on
// process 'exit', and a tiny watchdog process per JVM (fed by a pipe from this process) kills
// it if this process dies without running exit hooks (SIGKILL, crash).

import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

/** <cacheDir>/kafka-data-<port> for one broker, kafka-data-<port>-x3 for three: switching keeps both. */
export function defaultDataDir(port = 9092, cacheDir = defaultCacheDir(), brokerCount = 1) {
  return path.join(cacheDir, brokerCount > 1 ? `kafka-data-${port}-x${brokerCount}` : `kafka-data-${port}`);
}

// ---------------------------------------------------------------------------
// Java / Maven
// ---------------------------------------------------------------------------

function findJava() {
  const fromHome = process.env.JAVA_HOME && path.join(process.env.JAVA_HOME, 'bin', 'java');
  const java = fromHome && existsSync(fromHome) ? fromHome : which('java');
  if (!java) {
    throw new KafkaSetupError('java was not found on PATH: Kafka needs Java 17+ (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; or set JAVA_HOME)');
  }
  const res = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 20_000 });
  const text = `${res.stderr || ''}${res.stdout || ''}`;
  const m = text.match(/version "(\d+)(?:\.(\d+))?/);
  if (m) {
    const major = m[1] === '1' ? Number(m[2]) : Number(m[1]);
    if (major < 17) {
      throw new KafkaSetupError(`${java} is Java ${major}; Kafka 4 needs Java 17+ (apt-get install openjdk-17-jre-headless, then set JAVA_HOME)`);
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
  return (
    text
      .split(/\r?\n/)
      // eslint-disable-next-line no-control-regex -- strips the ANSI colour codes (ESC [ ... m) of Kafka's log lines
      .map((l) => l.replace(/\u001b\[[0-9;]*m/g, '').trimEnd())
      .filter((l) => l.trim().length)
      .slice(-n)
  );
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
    throw new KafkaSetupError('mvn (Apache Maven) was not found on PATH: it is needed once to download the Kafka jars (Debian/Ubuntu: apt-get install maven)');
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
      onTick: (ms) => log(`  still resolving Kafka ${version} (${Math.round(ms / 1000)}s, ${(dirSizeBytes(tmpLibs) / 1e6).toFixed(0)} MB copied so far)…`),
    },
  );
  const jars = existsSync(tmpLibs) ? readdirSync(tmpLibs).filter((f) => f.endsWith('.jar')) : [];
  if (res.code !== 0 || !jars.some((j) => j.startsWith('kafka_2.13-'))) {
    rmSync(tmpLibs, { recursive: true, force: true });
    const boilerplate =
      /^\[ERROR\]\s*$|To see the full stack trace|Re-run Maven using|For more information about the errors|^\[ERROR\] \[Help \d+\]|^\[ERROR\] -> \[Help/;
    const tail = lastLines(res.output, 40)
      .filter((l) => !boilerplate.test(l))
      .slice(-3);
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
  log(`Kafka ${version}: ${jars.length} jars, ${(dirSizeBytes(libsDir) / 1e6).toFixed(0)} MB, resolved in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return result(true);
}

// ---------------------------------------------------------------------------
// Principals, credentials and access (defined once, in platform/src/kafka)
// ---------------------------------------------------------------------------

const require = createRequire(import.meta.url);
const ROOT = path.resolve(HERE, '../..');

function platformKafka() {
  try {
    return Object.assign({}, ...['core', 'kafka'].map((door) => require(path.join(ROOT, `platform/dist/${door}/index.js`))));
  } catch {
    throw new KafkaSetupError(
      'the platform package is not built: run `npm run build` first (the local Kafka principals and ACLs come from platform/src/kafka)',
    );
  }
}

/**
 * Every principal's SCRAM credentials, read from env with the services' rules
 * (KAFKA_<PRINCIPAL>_USERNAME / _PASSWORD; development defaults refused when NODE_ENV=production).
 */
export function kafkaCredentials(env = process.env) {
  const platform = platformKafka();
  const out = {};
  const problems = [];
  for (const principal of platform.KAFKA_PRINCIPALS) {
    try {
      const { sasl } = platform.kafkaCredentialsFromEnv(principal, env, 'local Kafka');
      out[principal] = { username: sasl.username, password: sasl.password };
    } catch (err) {
      problems.push(
        String(err.message)
          .replace(/^invalid configuration for local Kafka:\s*/, '')
          .replace(/\n\s*/g, '; '),
      );
    }
  }
  if (problems.length) throw new KafkaSetupError(`invalid Kafka credentials: ${problems.join('; ')}`);
  const names = Object.values(out).map((c) => c.username);
  if (new Set(names).size !== names.length) throw new KafkaSetupError(`the Kafka principals need distinct usernames (got ${names.join(', ')})`);
  return out;
}

/** kafkajs `sasl` option for one principal's credentials. */
export function saslOf(credential) {
  return { mechanism: 'scram-sha-512', username: credential.username, password: credential.password };
}

function credentialsDigest(creds, salt) {
  const hash = createHash('sha256').update(salt);
  for (const principal of Object.keys(creds).sort()) hash.update(`\0${principal}\0${creds[principal].username}\0${creds[principal].password}`);
  return hash.digest('hex');
}

// ---------------------------------------------------------------------------
// Cluster and node files
// ---------------------------------------------------------------------------

const CLUSTER_FILE = 'cluster.json';

function newClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url'); // 22 chars, like org.apache.kafka.common.Uuid
    if (!id.startsWith('-')) return id;
  }
}

function readCluster(dataDir) {
  try {
    return JSON.parse(readFileSync(path.join(dataDir, CLUSTER_FILE), 'utf8'));
  } catch {
    return null;
  }
}

function writeCluster(dataDir, cluster) {
  writeFileSync(path.join(dataDir, CLUSTER_FILE), `${JSON.stringify(cluster, null, 2)}\n`, { mode: 0o600 });
}

function nodePaths(dataDir, cluster, id) {
  const dir = path.join(dataDir, `node-${id}`);
  return {
    id,
    dir,
    kraftDir: path.join(dir, 'kraft'),
    props: path.join(dir, 'server.properties'),
    pidFile: path.join(dir, 'kafka.pid'),
    logDir: cluster.logRoot ? path.join(cluster.logRoot, `node-${id}`) : path.join(dir, 'logs'),
  };
}

/** The single-node layout of earlier versions (PLAINTEXT, no users): server.properties at the top. */
function legacyLayout(dataDir) {
  return !existsSync(path.join(dataDir, CLUSTER_FILE)) && existsSync(path.join(dataDir, 'server.properties'));
}

function wipeClusterFiles(dataDir) {
  for (const name of [CLUSTER_FILE, 'cluster.id', 'server.properties', 'kafka.pid', 'kraft'])
    rmSync(path.join(dataDir, name), { recursive: true, force: true });
  try {
    for (const name of readdirSync(dataDir)) if (/^node-\d+$/.test(name)) rmSync(path.join(dataDir, name), { recursive: true, force: true });
  } catch {
    /* missing */
  }
}

const jaas = (module, fields) =>
  `${module} required ${Object.entries(fields)
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ')};`;

function serverProperties({ node, cluster, kraftDir, broker }) {
  const count = cluster.nodes.length;
  const replication = Math.min(3, count);
  const minInsync = count >= 3 ? 2 : 1;
  const { host } = cluster;
  const voters = cluster.nodes.map((n) => `${n.id}@${host}:${n.controllerPort}`).join(',');
  const scram = jaas('org.apache.kafka.common.security.scram.ScramLoginModule', { username: broker.username, password: broker.password });
  const plain = jaas('org.apache.kafka.common.security.plain.PlainLoginModule', {
    username: broker.username,
    password: broker.password,
    [`user_${broker.username}`]: broker.password,
  });
  return `# Generated by scripts/lib/kafka.mjs on every start; edits are overwritten. Holds the broker password.
process.roles=broker,controller
node.id=${node.id}
controller.quorum.voters=${voters}
controller.listener.names=CONTROLLER
listeners=CLIENT://${host}:${node.port},CONTROLLER://${host}:${node.controllerPort}
advertised.listeners=CLIENT://${host}:${node.port}
inter.broker.listener.name=CLIENT
listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
log.dirs=${kraftDir}

# Clients and brokers authenticate with SCRAM-SHA-512 (users created at format time); the
# controller listener (brokers and controllers only) with SASL/PLAIN, as KRaft requires.
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
sasl.mechanism.controller.protocol=PLAIN
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=${scram}
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=${plain}
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:${broker.username}

num.partitions=${cluster.partitions}
default.replication.factor=${replication}
min.insync.replicas=${minInsync}
unclean.leader.election.enable=false
auto.create.topics.enable=false
delete.topic.enable=true

offsets.topic.replication.factor=${replication}
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=${replication}
transaction.state.log.min.isr=${minInsync}
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=${replication}
share.coordinator.state.topic.min.isr=${minInsync}
group.initial.rebalance.delay.ms=0
${
  count > 1
    ? `
# A dead node is fenced (its partitions led elsewhere) after 6 s without a heartbeat instead of 9,
# and a restarted one re-registers sooner; still far above a heartbeat's 1.5 s on a busy machine.
broker.heartbeat.interval.ms=1500
broker.session.timeout.ms=6000
`
    : ''
}
log.retention.hours=168
log.segment.bytes=134217728
log.retention.check.interval.ms=300000
num.network.threads=${count > 1 ? 2 : 3}
num.io.threads=${count > 1 ? 2 : 4}
`;
}

function isKafkaJvm(pid, propsFile) {
  if (!isAlive(pid)) return false;
  const args = processArgs(pid);
  if (!args.length) return true; // no /proc: trust the pid file
  return args.includes('kafka.Kafka') && (!propsFile || args.includes(propsFile));
}

/** Pid of the JVM running with this server.properties: from the pid file, else by scanning /proc. */
function findRunningJvm(propsFile, pidFile) {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (isKafkaJvm(pid, propsFile)) return pid;
  } catch {
    /* no pid file */
  }
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const args = processArgs(Number(name));
      if (args.includes('kafka.Kafka') && args.includes(propsFile) && isAlive(Number(name))) return Number(name);
    }
  } catch {
    /* no /proc */
  }
  return null;
}

function heapArgs(heapOpts) {
  const opts = heapOpts.split(/\s+/).filter(Boolean);
  return opts.some((o) => o.startsWith('-Xms')) ? opts : [...opts, '-Xms64m'];
}

function defaultHeapOpts(brokerCount) {
  if (process.env.KAFKA_HEAP_OPTS) return process.env.KAFKA_HEAP_OPTS;
  if (process.env.KAFKA_HEAP) return `-Xmx${process.env.KAFKA_HEAP}`;
  // Three JVMs share a small machine with the services: 256 MB each is plenty for local loads.
  return brokerCount > 1 ? '-Xmx256m' : '-Xmx512m';
}

function jvmArgs({ heapOpts, logDir, classpath, fastStart = false }) {
  return [
    ...heapArgs(heapOpts),
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

/** Formats one node's KRaft storage, creating every principal's SCRAM-SHA-512 user. */
async function formatStorage({ java, classpath, np, clusterId, creds, log }) {
  if (existsSync(path.join(np.kraftDir, 'meta.properties'))) return false;
  log(`formatting KRaft storage of node ${np.id} in ${np.kraftDir}…`);
  const users = Object.values(creds).flatMap((c) => ['--add-scram', `SCRAM-SHA-512=[name=${c.username},password=${c.password}]`]);
  const res = await runCapture(
    java,
    [
      ...jvmArgs({ heapOpts: '-Xmx256m', logDir: np.logDir, classpath, fastStart: true }),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      np.props,
      ...users,
    ],
    { timeoutMs: 120_000 },
  );
  if (res.code !== 0) {
    // The output may echo the arguments: never show a password.
    let text = res.output;
    for (const c of Object.values(creds)) text = text.split(c.password).join('***');
    throw new KafkaSetupError(`kafka-storage format failed (exit ${res.code}): ${lastLines(text, 6).join(' | ') || 'no output'}`, text);
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

async function makeKafka(brokers, { sasl, connectionTimeout = 2000, requestTimeout = 10_000, retries = 0 } = {}) {
  const { Kafka, logLevel } = await loadKafkajs();
  return new Kafka({
    clientId: 'walletgraph-kafka-script',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout,
    requestTimeout,
    retry: { retries },
    ...(sasl ? { sasl } : {}),
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
 * Poll until a kafkajs admin client authenticated with `sasl` sees `brokerCount` brokers in the
 * cluster metadata. isAlive (optional) aborts early when the broker processes are gone; refused
 * credentials abort at once (they will not start working).
 */
export async function waitForKafka({
  brokers = ['127.0.0.1:9092'],
  sasl,
  brokerCount = 1,
  timeoutMs = 60_000,
  log = defaultLog,
  isAlive: alive,
  progressMs = 5000,
} = {}) {
  const started = Date.now();
  let lastProgress = started;
  let lastError;
  for (;;) {
    try {
      const cluster = await withAdmin(brokers, (admin) => admin.describeCluster(), { sasl, connectionTimeout: 1000, requestTimeout: 3000 });
      if (cluster.brokers.length >= brokerCount) return cluster;
      lastError = new Error(`${cluster.brokers.length} of ${brokerCount} brokers registered`);
    } catch (err) {
      if (err instanceof KafkaSetupError) throw err;
      if (err?.name === 'KafkaJSSASLAuthenticationError')
        throw new KafkaSetupError(`Kafka at ${brokers.join(',')} refused the ${sasl?.username ?? 'anonymous'} credentials: ${err.message}`);
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

/** Polls until every partition of `topics` has a leader and all its replicas in sync. */
export async function waitForFullIsr({ brokers, sasl, topics, timeoutMs = 60_000 }) {
  const deadline = Date.now() + timeoutMs;
  let lagging;
  for (;;) {
    try {
      lagging = await withAdmin(
        brokers,
        async (admin) => {
          const { topics: described } = await admin.fetchTopicMetadata({ topics });
          return described.flatMap((t) =>
            t.partitions.filter((p) => p.leader < 0 || p.isr.length < p.replicas.length).map((p) => `${t.name}/${p.partitionId}`),
          );
        },
        { sasl, connectionTimeout: 1000, requestTimeout: 5000 },
      );
      if (lagging.length === 0) return;
    } catch (err) {
      lagging = [err.message];
    }
    if (Date.now() > deadline) throw new Error(`replicas not in sync after ${Math.round(timeoutMs / 1000)}s: ${lagging.slice(0, 5).join(', ')}`);
    await sleep(250);
  }
}

/**
 * The broker principal (the only super user) grants the admin principal its rights; the admin then
 * creates the topics (replication from the brokers' default: min(3, brokers)) and every ACL.
 */
async function provisionAccess({ brokers, creds, access, partitions, log }) {
  const platform = platformKafka();
  const names = platform.kafkaAccessNames({
    ...access,
    principals: Object.fromEntries(
      Object.entries(creds)
        .filter(([p]) => p !== 'broker')
        .map(([p, c]) => [p, c.username]),
    ),
  });
  const rules = platform.walletgraphAclRules(names);
  const topics = platform.walletgraphTopics(names, partitions);
  const superUser = await makeKafka(brokers, { sasl: saslOf(creds.broker), retries: 5 });
  await platform.provisionKafka(superUser, { topics: [], rules: rules.filter((r) => r.principal === names.principals.admin) });
  const admin = await makeKafka(brokers, { sasl: saslOf(creds.admin), retries: 5 });
  const { createdTopics, undersizedTopics } = await platform.provisionKafka(admin, { topics, rules });
  for (const t of undersizedTopics) {
    log(
      `warning: topic ${t.topic} has ${t.partitionCount} partitions, fewer than the ${t.partitionCountWanted} configured; it is not grown automatically (adding partitions moves accounts to other partitions: drain it first, then kafka-topics --alter)`,
    );
  }
  if (createdTopics.length) log(`created topics ${createdTopics.join(', ')} (${partitions} partitions)`);
  log(`ACLs: ${rules.length} bindings for ${Object.values(names.principals).join(', ')}`);
  return topics.map((t) => t.topic);
}

/**
 * Make the brokers create and load __consumer_offsets and __transaction_state now (they do so
 * lazily on the first FindCoordinator / InitProducerId), so the first consumer group or
 * idempotent producer of an app or test starts without kafkajs logging "group coordinator
 * is not available" / "coordinator is loading" retries. Best effort, bounded. Runs as the broker
 * principal (super user): the warm-up group and transactional id belong to no service.
 */
async function warmCoordinators(brokers, sasl, warmTopic, timeoutMs = 20_000) {
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
  const ok = await withAdmin(
    brokers,
    async (admin) => {
      // kafkajs needs cluster metadata before its first FindCoordinator ("No brokers in the broker pool")
      await admin.fetchTopicMetadata({ topics: [] });
      return retrying(() => admin.fetchOffsets({ groupId: 'walletgraph-kafka-warmup' }));
    },
    { sasl },
  ).catch(() => false);
  const producer = (await makeKafka(brokers, { sasl, retries: 2 })).producer({
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

/** Starts one node's JVM (props already written); resolves once the process has spawned. */
async function launchNode({ java, classpath, np, heapOpts, attached }) {
  mkdirSync(np.logDir, { recursive: true });
  const outFile = path.join(np.logDir, 'kafka.out');
  const outFd = openSync(outFile, 'a');
  let child;
  try {
    child = spawn(java, [...jvmArgs({ heapOpts, logDir: np.logDir, classpath }), 'kafka.Kafka', np.props], {
      cwd: np.dir,
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
  child.unref();
  writeFileSync(np.pidFile, `${child.pid}\n`);
  const watchdog = attached ? startWatchdog(child.pid, 15_000) : null;
  return { id: np.id, pid: child.pid, child, watchdog, outFile, np };
}

function exitHookFor(pids) {
  return () => {
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* gone */
        }
      }
    }
  };
}

function clusterHandle({ dataDir, cluster, nodes, brokers, reused, attachedPids, watchdogs, log }) {
  const exitHook = attachedPids.length ? exitHookFor(attachedPids) : null;
  if (exitHook) process.on('exit', exitHook);
  let stopping = null;
  return {
    brokers,
    nodes: nodes.map((n) => ({ id: n.id, pid: n.pid, port: n.port, controllerPort: n.controllerPort })),
    pid: nodes[0]?.pid,
    dataDir,
    logDir: cluster.logRoot ?? path.join(dataDir, 'node-1', 'logs'),
    reused,
    stop({ timeoutMs = 15_000 } = {}) {
      stopping ??= (async () => {
        if (exitHook) process.off('exit', exitHook);
        // All at once: each broker's controlled shutdown needs a controller quorum, which nodes
        // stopped one by one would take away from the last one (it then hangs until SIGKILL).
        const results = await Promise.all(nodes.map((n) => killWithDeadline(n.pid, { timeoutMs, group: true, log })));
        for (const wd of watchdogs) {
          if (wd.exitCode === null) {
            try {
              wd.kill('SIGKILL');
            } catch {
              /* gone */
            }
          }
        }
        for (const n of nodes) {
          const np = nodePaths(dataDir, cluster, n.id);
          try {
            if (Number(readFileSync(np.pidFile, 'utf8').trim()) === n.pid) rmSync(np.pidFile, { force: true });
          } catch {
            /* no pid file */
          }
        }
        return results.includes('killed') ? 'killed' : 'exited';
      })();
      return stopping;
    },
  };
}

function planNodes({ brokerCount, port, controllerPort, ports }) {
  if (ports) {
    if (ports.length !== brokerCount) throw new KafkaSetupError(`${brokerCount} brokers need ${brokerCount} port pairs, got ${ports.length}`);
    return ports.map((p, i) => ({ id: i + 1, port: Number(p.port), controllerPort: Number(p.controllerPort) }));
  }
  if (brokerCount === 1) return [{ id: 1, port, controllerPort }];
  // port, port+1 for node 1; port+2, port+3 for node 2; …
  return Array.from({ length: brokerCount }, (_, i) => ({ id: i + 1, port: port + 2 * i, controllerPort: port + 2 * i + 1 }));
}

const sameNodes = (a, b) => a.length === b.length && a.every((n, i) => n.id === b[i].id && n.port === b[i].port && n.controllerPort === b[i].controllerPort);

/**
 * Start (or reuse) a KRaft cluster of `brokerCount` combined nodes (1 or 3), provision the
 * walletgraph topics and ACLs (`access`: names overriding the defaults; null to skip), and
 * return when every node is registered and every replica is in sync.
 * Throws KafkaSetupError with a one-line message for setup problems (missing java/mvn, port
 * taken, credentials refused or changed…).
 */
export async function startKafka({
  brokerCount = Number(process.env.KAFKA_BROKERS_COUNT || 1),
  port = 9092,
  controllerPort = Number(port) + 1,
  ports,
  host = '127.0.0.1',
  dataDir,
  logDir,
  partitions = 3,
  access = {},
  log = defaultLog,
  freshData = false,
  attached = false,
  version = DEFAULT_KAFKA_VERSION,
  cacheDir = defaultCacheDir(),
  heapOpts,
  timeoutMs = 90_000,
  env = process.env,
  replaceLegacy = false,
} = {}) {
  brokerCount = Number(brokerCount);
  if (brokerCount !== 1 && brokerCount !== 3) throw new KafkaSetupError(`brokerCount must be 1 or 3 (got ${brokerCount})`);
  port = Number(port);
  controllerPort = Number(controllerPort);
  heapOpts ??= defaultHeapOpts(brokerCount);
  dataDir = path.resolve(dataDir || defaultDataDir(port, cacheDir, brokerCount));
  const creds = kafkaCredentials(env);
  const wanted = planNodes({ brokerCount, port, controllerPort, ports });
  const brokers = wanted.map((n) => `${host}:${n.port}`);
  const brokerSasl = saslOf(creds.broker);

  // 1. what is on this data dir already?
  if (legacyLayout(dataDir)) {
    const legacyPid = findRunningJvm(path.join(dataDir, 'server.properties'), path.join(dataDir, 'kafka.pid'));
    if (replaceLegacy && !freshData) {
      log(`re-creating ${dataDir}: it holds a broker of an earlier version without authentication (its local Kafka data is deleted)`);
      freshData = true;
    }
    if (!freshData) {
      throw new KafkaSetupError(
        `${dataDir} holds a broker of an earlier version without authentication${legacyPid ? ` (running, pid ${legacyPid})` : ''}; start with --fresh to re-create it (its Kafka data is deleted)`,
      );
    }
    if (legacyPid) await killWithDeadline(legacyPid, { timeoutMs: 15_000, group: true, log });
  }
  let cluster = freshData ? null : readCluster(dataDir);
  const previous = readCluster(dataDir);
  const runningOf = (c) =>
    c ? c.nodes.map((n) => ({ ...n, pid: findRunningJvm(nodePaths(dataDir, c, n.id).props, nodePaths(dataDir, c, n.id).pidFile) })) : [];
  if (cluster) {
    const running = runningOf(cluster).filter((n) => n.pid);
    if (!sameNodes(cluster.nodes, wanted) || cluster.host !== host) {
      const shape = `${cluster.nodes.length} broker(s) on ${cluster.nodes.map((n) => n.port).join(',')}`;
      throw new KafkaSetupError(
        `${dataDir} holds a cluster of ${shape}${running.length ? ' (running)' : ''}, not ${brokerCount} on ${wanted.map((n) => n.port).join(',')}; stop it and start with --fresh to re-create it, or use its settings`,
      );
    }
    if (credentialsDigest(creds, cluster.credentials.salt) !== cluster.credentials.digest) {
      throw new KafkaSetupError(
        `the Kafka credentials (KAFKA_*_USERNAME / KAFKA_*_PASSWORD) differ from those ${dataDir} was created with; set the same values, or start with --fresh to re-create it (its Kafka data is deleted)`,
      );
    }
  } else {
    for (const n of runningOf(previous).filter((x) => x.pid)) {
      log(`stopping node ${n.id} of the previous cluster on this data dir (pid ${n.pid})…`);
      await killWithDeadline(n.pid, { timeoutMs: 15_000, group: true, log });
    }
    mkdirSync(dataDir, { recursive: true });
    wipeClusterFiles(dataDir);
    const salt = randomBytes(16).toString('hex');
    cluster = {
      clusterId: newClusterId(),
      host,
      partitions,
      logRoot: logDir ? path.resolve(logDir) : null,
      nodes: wanted,
      credentials: { salt, digest: credentialsDigest(creds, salt) },
      createdAt: new Date().toISOString(),
    };
    writeCluster(dataDir, cluster);
  }

  // 2. which nodes must be started; their ports must be free (never wait on somebody else's server)
  const state = runningOf(cluster);
  const toStart = state.filter((n) => !n.pid);
  for (const n of toStart) {
    for (const [p, what] of [
      [n.port, 'Kafka'],
      [n.controllerPort, 'Kafka controller'],
    ]) {
      if (!(await isPortFree(p, host))) {
        throw new KafkaSetupError(`port ${p} (${what}, node ${n.id}) is taken by another process; stop it or choose other ports (KAFKA_PORT)`);
      }
    }
  }
  const reused = toStart.length === 0;
  if (reused) log(`reusing the Kafka cluster already running on ${brokers.join(',')} (pids ${state.map((n) => n.pid).join(', ')})`);

  const started = Date.now();
  const launched = [];
  if (toStart.length) {
    // 3. jars + java, then format (once) and launch every missing node
    const java = findJava();
    const { classpath } = await resolveKafkaClasspath({ version, cacheDir, log });
    await Promise.all(
      toStart.map(async (n) => {
        const np = nodePaths(dataDir, cluster, n.id);
        mkdirSync(np.kraftDir, { recursive: true });
        mkdirSync(np.logDir, { recursive: true });
        writeFileSync(np.props, serverProperties({ node: n, cluster, kraftDir: np.kraftDir, broker: creds.broker }), { mode: 0o600 });
        chmodSync(np.props, 0o600);
        await formatStorage({ java, classpath, np, clusterId: cluster.clusterId, creds, log });
      }),
    );
    for (const n of toStart) launched.push(await launchNode({ java, classpath, np: nodePaths(dataDir, cluster, n.id), heapOpts, attached }));
    log(
      `started ${launched.length} broker JVM(s) (Kafka ${version}, pids ${launched.map((l) => l.pid).join(', ')}, data ${dataDir}); waiting for ${brokers.join(',')}…`,
    );
  }
  const nodes = state.map((n) => ({ ...n, pid: n.pid ?? launched.find((l) => l.id === n.id).pid }));
  const handle = clusterHandle({
    dataDir,
    cluster,
    nodes,
    brokers,
    reused,
    attachedPids: attached ? launched.map((l) => l.pid) : [],
    watchdogs: launched.map((l) => l.watchdog).filter(Boolean),
    log,
  });

  // 4. ready: every node registered, topics and ACLs in place, every replica in sync
  const alive = () => launched.every((l) => l.child.exitCode === null && l.child.signalCode === null && isAlive(l.pid));
  try {
    await waitForKafka({ brokers, sasl: brokerSasl, brokerCount, timeoutMs, log, isAlive: alive });
    if (access !== null) {
      const topics = await provisionAccess({ brokers, creds, access, partitions, log });
      if (brokerCount > 1) await waitForFullIsr({ brokers, sasl: brokerSasl, topics, timeoutMs });
      if (launched.length) await warmCoordinators(brokers, brokerSasl, topics[0]);
    }
  } catch (err) {
    const died = launched.find((l) => l.child.exitCode !== null || l.child.signalCode !== null || !isAlive(l.pid));
    if (launched.length) await handle.stop({ timeoutMs: 5000 });
    const logs = launched.map((l) => [tailFile(l.outFile, 5), tailFile(path.join(l.np.logDir, 'server.log'), 5)].filter(Boolean).join('\n'));
    const what = died ? `Kafka node ${died.id} exited during startup (exit ${died.child.exitCode ?? died.child.signalCode})` : err.message;
    const where = launched.length ? `; see ${launched.map((l) => path.join(l.np.logDir, 'server.log')).join(', ')}` : '';
    throw new KafkaSetupError(`${what}${where}`, logs.filter(Boolean).join('\n') || undefined);
  }
  if (launched.length) log(`${brokerCount === 1 ? 'broker' : `${brokerCount}-broker cluster`} ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return handle;
}

function requireCluster(dataDir) {
  const cluster = readCluster(dataDir);
  if (!cluster) throw new KafkaSetupError(`no Kafka cluster in ${dataDir}`);
  return cluster;
}

/**
 * Start one stopped node of an existing cluster (detached: the chaos suite kills and restarts
 * nodes), and wait until it answers as the broker principal. Its replicas catch up afterwards
 * (waitForFullIsr).
 */
export async function startKafkaNode({
  dataDir,
  nodeId,
  timeoutMs = 90_000,
  log = defaultLog,
  env = process.env,
  heapOpts,
  version = DEFAULT_KAFKA_VERSION,
  cacheDir = defaultCacheDir(),
}) {
  dataDir = path.resolve(dataDir);
  const cluster = requireCluster(dataDir);
  const node = cluster.nodes.find((n) => n.id === Number(nodeId));
  if (!node) throw new KafkaSetupError(`node ${nodeId} is not part of the cluster in ${dataDir}`);
  const np = nodePaths(dataDir, cluster, node.id);
  const running = findRunningJvm(np.props, np.pidFile);
  const creds = kafkaCredentials(env);
  if (running) return { pid: running, reused: true };
  const java = findJava();
  const { classpath } = await resolveKafkaClasspath({ version, cacheDir, log });
  writeFileSync(np.props, serverProperties({ node, cluster, kraftDir: np.kraftDir, broker: creds.broker }), { mode: 0o600 });
  const launched = await launchNode({ java, classpath, np, heapOpts: heapOpts ?? defaultHeapOpts(cluster.nodes.length), attached: false });
  try {
    await waitForKafka({
      brokers: [`${cluster.host}:${node.port}`],
      sasl: saslOf(creds.broker),
      brokerCount: 1,
      timeoutMs,
      log,
      isAlive: () => launched.child.exitCode === null && isAlive(launched.pid),
    });
  } catch (err) {
    throw new KafkaSetupError(
      `node ${node.id} did not come back: ${err.message}; see ${path.join(np.logDir, 'server.log')}`,
      tailFile(path.join(np.logDir, 'server.log'), 10),
    );
  }
  return { pid: launched.pid, reused: false };
}

/** Stop (SIGTERM: controlled shutdown, SIGKILL after timeoutMs) or kill (signal 'SIGKILL') one node. */
export async function stopKafkaNode({ dataDir, nodeId, signal = 'SIGTERM', timeoutMs = 30_000, log = defaultLog }) {
  dataDir = path.resolve(dataDir);
  const cluster = requireCluster(dataDir);
  const np = nodePaths(dataDir, cluster, Number(nodeId));
  const pid = findRunningJvm(np.props, np.pidFile);
  if (!pid) return { stopped: false, pid: null };
  const how = await killWithDeadline(pid, { signal, timeoutMs, group: true, log });
  rmSync(np.pidFile, { force: true });
  return { stopped: true, pid, how };
}

/**
 * The KRaft quorum leader (the active controller): the highest-epoch leader recorded in the
 * nodes' quorum-state files (rewritten on every election). kafkajs has no DescribeQuorum.
 */
export function activeControllerId({ dataDir }) {
  dataDir = path.resolve(dataDir);
  const cluster = requireCluster(dataDir);
  let best = null;
  for (const n of cluster.nodes) {
    const np = nodePaths(dataDir, cluster, n.id);
    if (!findRunningJvm(np.props, np.pidFile)) continue;
    try {
      const state = JSON.parse(readFileSync(path.join(np.kraftDir, '__cluster_metadata-0', 'quorum-state'), 'utf8'));
      if (state.leaderId >= 0 && (!best || state.leaderEpoch > best.leaderEpoch)) best = state;
    } catch {
      /* not written yet */
    }
  }
  return best ? best.leaderId : null;
}

/**
 * Creates (or re-keys) SCRAM-SHA-512 users on a running cluster, as the broker principal, with
 * `kafka-configs --alter --add-config 'SCRAM-SHA-512=[password=…]'` (kafkajs has no
 * AlterUserScramCredentials; `--add-config-file` refuses SCRAM entries). The new password is on that
 * JVM's command line for the second it runs: for local clusters and tests (which use it to give a
 * principal of their own the password a compose deployment would generate), not for production.
 */
export async function upsertScramUsers({ brokers, users, env = process.env, log = defaultLog, version = DEFAULT_KAFKA_VERSION, cacheDir = defaultCacheDir() }) {
  const creds = kafkaCredentials(env);
  const java = findJava();
  const { classpath } = await resolveKafkaClasspath({ version, cacheDir, log });
  const dir = path.join(os.tmpdir(), `walletgraph-scram-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const commandConfig = path.join(dir, 'client.properties');
  writeFileSync(
    commandConfig,
    `security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=${jaas('org.apache.kafka.common.security.scram.ScramLoginModule', { username: creds.broker.username, password: creds.broker.password })}\n`,
    { mode: 0o600 },
  );
  try {
    for (const user of users) {
      const res = await runCapture(
        java,
        [
          ...jvmArgs({ heapOpts: '-Xmx256m', logDir: dir, classpath, fastStart: true }),
          'kafka.admin.ConfigCommand',
          '--bootstrap-server',
          brokers[0],
          '--command-config',
          commandConfig,
          '--alter',
          '--add-config',
          `SCRAM-SHA-512=[password=${user.password}]`,
          '--entity-type',
          'users',
          '--entity-name',
          user.username,
        ],
        { timeoutMs: 60_000 },
      );
      if (res.code !== 0)
        throw new KafkaSetupError(
          `kafka-configs could not set the SCRAM user ${user.username} (exit ${res.code}): ${lastLines(res.output.split(user.password).join('***'), 3).join(' | ')}`,
        );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Stop every node of the cluster on this data dir (or the legacy single broker). */
export async function stopKafka({ dataDir, port = 9092, cacheDir = defaultCacheDir(), timeoutMs = 15_000, log = defaultLog } = {}) {
  dataDir = path.resolve(dataDir || defaultDataDir(port, cacheDir));
  if (legacyLayout(dataDir)) {
    const pid = findRunningJvm(path.join(dataDir, 'server.properties'), path.join(dataDir, 'kafka.pid'));
    if (!pid) return { stopped: false, pids: [] };
    await killWithDeadline(pid, { timeoutMs, group: true, log });
    rmSync(path.join(dataDir, 'kafka.pid'), { force: true });
    return { stopped: true, pids: [pid] };
  }
  const cluster = readCluster(dataDir);
  if (!cluster) return { stopped: false, pids: [] };
  const pids = cluster.nodes.flatMap((n) => {
    const np = nodePaths(dataDir, cluster, n.id);
    const pid = findRunningJvm(np.props, np.pidFile);
    rmSync(np.pidFile, { force: true });
    return pid ? [pid] : [];
  });
  // All at once (see clusterHandle.stop: the last node alone would wait for a lost quorum).
  const results = await Promise.all(pids.map((pid) => killWithDeadline(pid, { timeoutMs, group: true, log })));
  return { stopped: pids.length > 0, pids, how: results.includes('killed') ? 'killed' : 'exited' };
}

/** Is our cluster for this data dir running? */
export function kafkaStatus({ dataDir, port = 9092, cacheDir = defaultCacheDir() } = {}) {
  dataDir = path.resolve(dataDir || defaultDataDir(port, cacheDir));
  const cluster = readCluster(dataDir);
  if (!cluster)
    return {
      running: false,
      nodes: [],
      brokers: [],
      brokerCount: 0,
      port,
      pid: null,
      dataDir,
      logDir: path.join(dataDir, 'node-1', 'logs'),
      legacy: legacyLayout(dataDir),
    };
  const nodes = cluster.nodes.map((n) => {
    const np = nodePaths(dataDir, cluster, n.id);
    return { id: n.id, port: n.port, controllerPort: n.controllerPort, pid: findRunningJvm(np.props, np.pidFile), logDir: np.logDir };
  });
  return {
    running: nodes.some((n) => n.pid),
    nodes,
    brokers: cluster.nodes.map((n) => `${cluster.host}:${n.port}`),
    brokerCount: cluster.nodes.length,
    port: cluster.nodes[0].port,
    pid: nodes[0].pid,
    dataDir,
    logDir: nodes[0].logDir,
    legacy: false,
  };
}
