#!/usr/bin/env node
// Local Apache Kafka broker for development.
//
//   node scripts/kafka.mjs start [--fresh]   start (or reuse) the broker in the background
//   node scripts/kafka.mjs stop              stop it
//   node scripts/kafka.mjs status            print whether it runs (exit 1 when it does not)
//   node scripts/kafka.mjs logs [-f] [-n N]  show (or follow) the broker log
//
// Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1), KAFKA_VERSION,
// KAFKA_DATA_DIR (default <cache>/kafka-data-<port>), KAFKA_HEAP (512m),
// WALLETGRAPH_CACHE_DIR (default ${XDG_CACHE_HOME:-~/.cache}/walletgraph), KAFKA_DEBUG=1 (print
// Maven/Kafka output on errors). `start` reuses a broker already running on the same data dir.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import {
  DEFAULT_KAFKA_VERSION,
  defaultCacheDir,
  defaultDataDir,
  kafkaStatus,
  startKafka,
  stopKafka,
} from './lib/kafka.mjs';
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
const controllerPort = intEnv('KAFKA_CONTROLLER_PORT', port + 1);
const version = process.env.KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
const cacheDir = defaultCacheDir();
const dataDir = process.env.KAFKA_DATA_DIR ? path.resolve(process.env.KAFKA_DATA_DIR) : defaultDataDir(port, cacheDir);

const [cmd = 'help', ...args] = process.argv.slice(2);

async function main() {
  switch (cmd) {
    case 'start': {
      const t0 = Date.now();
      const kafka = await startKafka({
        port,
        controllerPort,
        version,
        cacheDir,
        dataDir,
        log,
        freshData: args.includes('--fresh'),
        attached: false,
      });
      log(`Kafka ready on ${kafka.brokers[0]} (pid ${kafka.pid})${kafka.reused ? ' [already running]' : ''} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      const env = [
        port !== 9092 ? `KAFKA_PORT=${port}` : '',
        process.env.KAFKA_DATA_DIR ? `KAFKA_DATA_DIR=${dataDir}` : '',
      ].filter(Boolean).join(' ');
      const cli = `${env ? `${env} ` : ''}node scripts/kafka.mjs`;
      log(`logs: ${cli} logs -f   stop: ${cli} stop`);
      return 0;
    }
    case 'stop': {
      const res = await stopKafka({ dataDir, log });
      log(res.stopped ? `stopped (pid ${res.pid}${res.how === 'killed' ? ', had to SIGKILL' : ''})` : `not running (data dir ${dataDir})`);
      return 0;
    }
    case 'status': {
      const st = kafkaStatus({ dataDir });
      if (st.running) log(`running on ${st.brokers[0] ?? `127.0.0.1:${port}`} (pid ${st.pid}, data ${st.dataDir})`);
      else log(`not running (data dir ${st.dataDir})`);
      return st.running ? 0 : 1;
    }
    case 'logs': {
      const st = kafkaStatus({ dataDir });
      const file = path.join(st.logDir, 'server.log');
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
        'usage: node scripts/kafka.mjs start [--fresh] | stop | status | logs [-f] [-n N]\n' +
          'env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT, KAFKA_VERSION, KAFKA_DATA_DIR, KAFKA_HEAP, WALLETGRAPH_CACHE_DIR\n',
      );
      return cmd === 'help' || cmd === '--help' || cmd === '-h' ? 0 : 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => fail(err.code === 'KAFKA_SETUP' ? err.message : err.stack || String(err), err.details),
);
