#!/usr/bin/env node
// Local Apache Kafka for development: one broker, or a cluster of three (KRaft, SASL/SCRAM, ACLs).
//
//   node scripts/kafka.mjs start [--brokers 1|3] [--fresh]   start (or reuse) it in the background
//   node scripts/kafka.mjs stop                              stop it (every node)
//   node scripts/kafka.mjs status                            print whether it runs (exit 1 when not)
//   node scripts/kafka.mjs logs [--node N] [-f] [-n N]       show (or follow) a node's broker log
//
// Environment: KAFKA_BROKERS_COUNT (1; or --brokers), KAFKA_PORT (9092: node i listens on
// KAFKA_PORT+2(i-1), its controller on the next port), KAFKA_CONTROLLER_PORT (one broker only),
// KAFKA_VERSION, KAFKA_DATA_DIR (default <cache>/kafka-data-<port>), KAFKA_HEAP_OPTS (-Xmx512m,
// -Xmx256m per node for three), KAFKA_<PRINCIPAL>_USERNAME / _PASSWORD (see README: Kafka security),
// WALLETGRAPH_CACHE_DIR (default ${XDG_CACHE_HOME:-~/.cache}/walletgraph), KAFKA_DEBUG=1 (print
// Maven/Kafka output on errors). `start` reuses a cluster already running on the same data dir.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { DEFAULT_KAFKA_VERSION, defaultCacheDir, defaultDataDir, kafkaStatus, startKafka, stopKafka } from './lib/kafka.mjs';
import { tailFile } from './lib/proc.mjs';

const log = (msg) => process.stdout.write(`[kafka] ${msg}\n`);
const fail = (msg, details) => {
  process.stderr.write(`[kafka] error: ${msg}\n`);
  if (details && process.env.KAFKA_DEBUG) process.stderr.write(`${details}\n`);
  process.exit(1);
};

function intEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) fail(`${name}=${raw} is not a valid port`);
  return n;
}

const port = intEnv('KAFKA_PORT', 9092);
function brokerCountArg(args) {
  const i = args.indexOf('--brokers');
  const raw = i >= 0 ? args[i + 1] : process.env.KAFKA_BROKERS_COUNT || '1';
  if (raw !== '1' && raw !== '3') fail(`--brokers / KAFKA_BROKERS_COUNT must be 1 or 3 (got ${raw ?? 'nothing'})`);
  return Number(raw);
}
const controllerPort = intEnv('KAFKA_CONTROLLER_PORT', port + 1);
const version = process.env.KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
const cacheDir = defaultCacheDir();
const [cmd = 'help', ...args] = process.argv.slice(2);
const explicitCount = args.includes('--brokers') || Boolean(process.env.KAFKA_BROKERS_COUNT);
/** KAFKA_DATA_DIR, else the default dir of the node count; for stop/status/logs without a count, the one that runs. */
function dataDirFor(brokerCount) {
  if (process.env.KAFKA_DATA_DIR) return path.resolve(process.env.KAFKA_DATA_DIR);
  if (brokerCount !== undefined) return defaultDataDir(port, cacheDir, brokerCount);
  return [1, 3].map((n) => defaultDataDir(port, cacheDir, n)).find((dir) => kafkaStatus({ dataDir: dir }).running) ?? defaultDataDir(port, cacheDir, 1);
}
const dataDir = dataDirFor(cmd === 'start' || explicitCount ? brokerCountArg(args) : undefined);

async function main() {
  switch (cmd) {
    case 'start': {
      const t0 = Date.now();
      const kafka = await startKafka({
        brokerCount: brokerCountArg(args),
        port,
        controllerPort,
        version,
        cacheDir,
        dataDir,
        log,
        freshData: args.includes('--fresh'),
        attached: false,
      });
      log(
        `Kafka ready on ${kafka.brokers.join(',')} (pids ${kafka.nodes.map((n) => n.pid).join(', ')})${kafka.reused ? ' [already running]' : ''} in ${((Date.now() - t0) / 1000).toFixed(1)}s`,
      );
      log('clients authenticate with SASL/SCRAM-SHA-512 (KAFKA_<PRINCIPAL>_USERNAME / _PASSWORD; see README: Kafka security)');
      if (kafka.brokers.length > 1) log(`services: KAFKA_BROKERS=${kafka.brokers.join(',')}`);
      const env = [port !== 9092 ? `KAFKA_PORT=${port}` : '', process.env.KAFKA_DATA_DIR ? `KAFKA_DATA_DIR=${dataDir}` : ''].filter(Boolean).join(' ');
      const cli = `${env ? `${env} ` : ''}node scripts/kafka.mjs`;
      log(`logs: ${cli} logs -f   stop: ${cli} stop`);
      return 0;
    }
    case 'stop': {
      const res = await stopKafka({ dataDir, log });
      log(res.stopped ? `stopped (pids ${res.pids.join(', ')}${res.how === 'killed' ? ', had to SIGKILL' : ''})` : `not running (data dir ${dataDir})`);
      return 0;
    }
    case 'status': {
      const st = kafkaStatus({ dataDir });
      if (st.legacy) log(`${st.dataDir} holds a broker of an earlier version without authentication: start --fresh to re-create it`);
      else if (st.running) {
        const up = st.nodes.filter((n) => n.pid).length;
        log(`running: ${up} of ${st.brokerCount} node(s) on ${st.brokers.join(',')} (data ${st.dataDir})`);
        for (const n of st.nodes) log(`  node ${n.id}  127.0.0.1:${n.port}  ${n.pid ? `pid ${n.pid}` : 'stopped'}`);
      } else log(`not running (data dir ${st.dataDir})`);
      return st.running ? 0 : 1;
    }
    case 'logs': {
      const st = kafkaStatus({ dataDir });
      const nodeIdx = args.indexOf('--node');
      const node = nodeIdx >= 0 ? st.nodes.find((n) => n.id === Number(args[nodeIdx + 1])) : st.nodes[0];
      if (!node) fail(nodeIdx >= 0 ? `no node ${args[nodeIdx + 1]} in ${st.dataDir}` : `no Kafka cluster in ${st.dataDir}`);
      const file = path.join(node.logDir, 'server.log');
      if (!existsSync(file)) fail(`no log yet at ${file}`);
      const nIdx = args.indexOf('-n');
      const n = nIdx >= 0 ? Number(args[nIdx + 1]) || 100 : 100;
      if (args.includes('-f') || args.includes('--follow')) {
        const tail = spawn('tail', ['-n', String(n), '-F', file], { stdio: 'inherit' });
        return await new Promise((resolve) => tail.on('exit', (code) => resolve(code ?? 0)));
      }
      const text = tailFile(file, n);
      if (text) process.stdout.write(`${text}\n`);
      return 0;
    }
    default:
      process.stdout.write(
        'usage: node scripts/kafka.mjs start [--brokers 1|3] [--fresh] | stop | status | logs [--node N] [-f] [-n N]\n' +
          'env: KAFKA_BROKERS_COUNT (1), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT, KAFKA_VERSION, KAFKA_DATA_DIR, KAFKA_HEAP_OPTS,\n' +
          '     KAFKA_<PRINCIPAL>_USERNAME / _PASSWORD, WALLETGRAPH_CACHE_DIR\n',
      );
      return cmd === 'help' || cmd === '--help' || cmd === '-h' ? 0 : 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => fail(err.code === 'KAFKA_SETUP' ? err.message : err.stack || String(err), err.details),
);
