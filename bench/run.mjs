#!/usr/bin/env node
// npm run bench [-- --quick]: walletgraph against its peers, side by side, in one run (issue 10).
// Starts its own Kafka, databases (wgbench_*), subgraphs, our gateway and three peers on
// loopback, seeds accounts, runs the scenarios, prints a table, writes bench/results/latest.json.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAgent } from './lib/http-client.mjs';
import { authEnv, clientAuthorizations, kafkaEnv } from './lib/auth.mjs';
import { parseOptions } from './lib/options.mjs';
import { reconcile, transactionLedger } from './lib/ledger.mjs';
import { writeReadmeFigures } from './lib/readme-figures.mjs';
import { humanTable, resultsMarkdown, summaryOf, targetsOf } from './lib/report.mjs';

import { cpuMsOf, createRssSampler } from './lib/rss.mjs';
import { readVersions, seedSql, seedThroughGateway } from './lib/seed.mjs';
import {
  createStack,
  ensureBuilt,
  peerNames,
  prepareDatabases,
  root,
  startOurs,
  startPeers,
  startSubgraphs,
  writeSupergraph,
  writeTrustedDocuments,
} from './lib/stack.mjs';
import { balanceSubscription } from './lib/live.mjs';
import { runOverhead } from './scenarios/overhead.mjs';
import { checkSameAnswers, readQuery, runReads } from './scenarios/read.mjs';
import { runPropagation, runSubscriberScale } from './scenarios/live.mjs';
import { runResume } from './scenarios/resume.mjs';
import { runTransfers } from './scenarios/transfers.mjs';

const startedMs = Date.now();
const log = (line) => console.log(`[bench +${String(Math.round((Date.now() - startedMs) / 1000)).padStart(3)}s] ${line}`);
const resultsDir = path.join(root, 'bench/results');
// BENCH_DATABASE_SUFFIX=x: wgbench_wallet_x and wgbench_balance_x, so two runs on one MariaDB (e.g. in two
// checkouts) do not drop each other's databases.
const databaseSuffix = process.env.BENCH_DATABASE_SUFFIX ? `_${process.env.BENCH_DATABASE_SUFFIX.replace(/[^a-z0-9_]/gi, '')}` : '';
const databaseUrls = {
  WALLET_DATABASE_URL: `mysql://root@127.0.0.1:3306/wgbench_wallet${databaseSuffix}`,
  BALANCE_DATABASE_URL: `mysql://root@127.0.0.1:3306/wgbench_balance${databaseSuffix}`,
};

function machine() {
  const sh = (cmd) => {
    try {
      return execSync(cmd, { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    nproc: Number(sh('nproc')),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    free_g: sh('free -g | sed -n 2p'),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    load_before: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** Versions of what is measured: our commit and every peer's package. */
function versions() {
  const version = (pkg) => {
    try {
      return JSON.parse(readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;
    } catch {
      return 'unknown';
    }
  };
  let commit = 'unknown';
  try {
    commit =
      execSync('git rev-parse --short HEAD', { cwd: root, encoding: 'utf8' }).trim() +
      (execSync('git status --porcelain --untracked-files=no', { cwd: root, encoding: 'utf8' }).trim() ? '+changes' : '');
  } catch {
    /* not a git checkout */
  }
  return {
    walletgraph: commit,
    '@apollo/gateway': version('@apollo/gateway'),
    '@apollo/server': version('@apollo/server'),
    '@graphql-hive/gateway': version('@graphql-hive/gateway'),
    autocannon: version('autocannon'),
    kafkajs: version('kafkajs'),
  };
}

async function waitUntilSame(targets, id, agent) {
  const deadlineMs = Date.now() + 60_000;
  for (;;) {
    try {
      return await checkSameAnswers(targets, id, agent);
    } catch (error) {
      if (Date.now() > deadlineMs) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Disjoint account ranges, so one scenario's version changes never confuse another's matching. */
function partition(ids) {
  const n = ids.length;
  const slice = (from, to) => ids.slice(Math.floor(from * n), Math.floor(to * n));
  const pairsOf = (list, count) => Array.from({ length: Math.min(count, Math.floor(list.length / 2)) }, (_, i) => [list[2 * i], list[2 * i + 1]]);
  return {
    reads: ids,
    transfers: slice(0, 0.5),
    hotPair: slice(0.5, 0.5 + 2 / n),
    propagation: (count) => pairsOf(slice(0.55, 0.7), count),
    subscribers: pairsOf(slice(0.7, 0.75), 50),
    resume: slice(0.75, 0.75 + 2 / n),
  };
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) return console.log(options.help);
  const p = options.profile;
  const raw = {
    mode: options.mode,
    date: new Date().toISOString(),
    machine: machine(),
    versions: versions(),
    workers: options.workers,
    accounts: p.accounts,
    profile: p,
    rss_mb_by_scenario: {},
  };
  log(`mode ${options.mode}; scenarios ${options.only.join(', ')}; load average ${raw.machine.load_before.join(' ')}`);
  const workDir = path.join(os.tmpdir(), `wgbench-${process.pid}`);
  mkdirSync(workDir, { recursive: true });
  const stack = createStack({ log, logDir: workDir });
  let stopping = false;
  const stopEverything = async () => {
    if (stopping) return;
    stopping = true;
    await stack.stopAll();
    if (!options.running)
      await Promise.all(Object.values(databaseUrls).map((url) => import('../scripts/lib/databases.mjs').then((m) => m.dropDatabase(url)))).catch(
        () => undefined,
      );
    rmSync(path.join(workDir, 'kafka-data'), { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void stopEverything().finally(() => process.exit(130)));

  try {
    let subgraphs;
    let gatewayUrl;
    let ids;
    let owners;
    let brokers;
    const profileDir = options.cpuProfile ? path.join(resultsDir, 'profiles') : undefined;
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    const subscriptionsMax = Math.max(10_000, ...p.subscriberCounts) + 500;
    if (options.running) {
      subgraphs = { wallet: options.running.wallet, balance: options.running.balance };
      gatewayUrl = options.running.gateway;
      ({ ids, owners } = await seedThroughGateway(gatewayUrl, p.accounts, { log }));
    } else {
      await ensureBuilt(log, { force: options.build });
      brokers = await stack.startKafka();
      await prepareDatabases(databaseUrls, log);
      subgraphs = await startSubgraphs(stack, {
        brokers,
        urls: databaseUrls,
        profileDir,
        ...(options.subgraphsRoot ? { subgraphsRoot: path.resolve(options.subgraphsRoot) } : {}),
      });
      raw.subgraphs_root = options.subgraphsRoot ?? null;
      ({ ids, owners } = await seedSql(databaseUrls, p.accounts));
      log(`seeded ${ids.length} accounts (SQL, both databases)`);
      const trustedDocumentsPath = writeTrustedDocuments(workDir, { Read: readQuery, Live: balanceSubscription });
      gatewayUrl = await startOurs(stack, subgraphs, { workers: options.workers, profileDir, subscriptionsMax, trustedDocumentsPath });
    }
    const wsUrl = gatewayUrl.replace(/^http/, 'ws');
    const accounts = partition(ids);
    const sampler = createRssSampler(() => [
      ...['gateway', 'gateway_b', 'wallet', 'balance', ...peerNames].map((name) => [name, stack.pidOf(name) ?? options.pids[name]]),
    ]);
    const pidOf = (name) => stack.pidOf(name) ?? options.pids[name];
    const targetProcess = { ours: 'gateway', ours_b: 'gateway_b', ...Object.fromEntries(peerNames.map((n) => [n, n])) };
    const cpuMs = (target) => ({ target: cpuMsOf(pidOf(targetProcess[target])), wallet: cpuMsOf(pidOf('wallet')), balance: cpuMsOf(pidOf('balance')) });
    const scenario = async (name, fn) => {
      sampler.begin();
      try {
        return await fn();
      } finally {
        raw.rss_mb_by_scenario[name] = sampler.end();
      }
    };
    const agent = createAgent(64);

    if (options.only.includes('read') || options.only.includes('overhead')) {
      const supergraphFile = writeSupergraph(workDir, subgraphs);
      const peers = await startPeers(stack, subgraphs, { supergraphFile, workers: options.workers, workDir });
      const compared = options.compareGateway
        ? {
            ours_b: await startOurs(stack, subgraphs, {
              workers: options.workers,
              subscriptionsMax,
              trustedDocumentsPath: path.join(workDir, 'trusted-documents.json'),
              name: 'gateway_b',
              main: options.compareGateway,
              nodeOptions: options.compareNodeOptions,
              env: options.compareEnv,
            }),
          }
        : {};
      const targets = { ours: gatewayUrl, ...compared, ...peers };
      await waitUntilSame(targets, accounts.reads[0], agent);
      log(
        `all ${Object.keys(targets).length} targets give the same answer; read targets: ${Object.entries(targets)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      );
      if (options.only.includes('read')) {
        // 1,000 distinct client tokens, each reading its own account (one client owns each seeded account).
        const clients = await clientAuthorizations(accounts.reads.slice(0, p.clientCount), owners);
        raw.read = await scenario('read', () =>
          runReads({
            targets,
            ids: accounts.reads,
            hotId: accounts.reads[7],
            clients,
            levels: p.readLevels,
            durationS: p.readDurationS,
            warmupS: p.readWarmupS,
            repetitions: p.readRepetitions,
            log,
            cpuMs,
          }),
        );
      }
      for (const name of ['gateway_b', ...peerNames]) await stack.stopProcess(name);
      if (options.only.includes('overhead')) {
        raw.overhead = await scenario('overhead', () => runOverhead({ gatewayUrl, subgraphs, ids: accounts.reads, requestCount: p.overheadRequests, agent }));
        log(`overhead: direct p50 ${raw.overhead.direct_ms.p50} ms, gateway p50 ${raw.overhead.gateway_ms.p50} ms, ratio ${raw.overhead.ratio_p50}`);
      }
    }
    if (options.only.includes('transfers')) {
      const ledgerBefore = options.running ? undefined : await transactionLedger(databaseUrls.WALLET_DATABASE_URL);
      raw.transfers = await scenario('transfers', () =>
        runTransfers({
          agent: createAgent(p.transferCallers),
          gatewayUrl,
          accounts: accounts.transfers,
          hotPair: accounts.hotPair,
          callers: p.transferCallers,
          durationS: p.transferDurationS,
          warmupS: p.transferWarmupS,
          log,
          cpuMs: () => ({ gateway: cpuMsOf(pidOf('gateway')), wallet: cpuMsOf(pidOf('wallet')), balance: cpuMsOf(pidOf('balance')) }),
        }),
      );
      if (ledgerBefore) {
        // Every accepted transfer is a row, and money only moved: nothing acknowledged was lost.
        const after = await transactionLedger(databaseUrls.WALLET_DATABASE_URL);
        const accepted = raw.transfers.warmup_accepted + raw.transfers.distinct.accepted + raw.transfers.hot_pair.accepted;
        raw.transfers.ledger = { accepted, rows: after.rows - ledgerBefore.rows, total_unchanged: after.total === ledgerBefore.total };
        log(`transfers ledger: ${accepted} accepted, ${raw.transfers.ledger.rows} new rows, total unchanged ${raw.transfers.ledger.total_unchanged}`);
      }
    }
    if (options.only.includes('propagation')) {
      const pairs = accounts.propagation(p.propagationPairs);
      const versions = await readVersions(gatewayUrl, pairs.flat());
      raw.propagation = await scenario('propagation', () =>
        runPropagation({ gatewayUrl, wsUrl, pairs, versions, ratePerS: p.propagationRatePerS, durationS: p.propagationDurationS, readableSampleEvery: 4, log }),
      );
      if (p.propagationLowRatePerS > 0) {
        // Below saturation too: where the pipeline keeps up, this is its latency rather than a queue's.
        await new Promise((r) => setTimeout(r, 5_000));
        const low = accounts.propagation(p.propagationPairs * 2).slice(p.propagationPairs);
        const lowVersions = await readVersions(gatewayUrl, low.flat());
        raw.propagation_low_rate = await scenario('propagation_low_rate', () =>
          runPropagation({
            gatewayUrl,
            wsUrl,
            pairs: low,
            versions: lowVersions,
            ratePerS: p.propagationLowRatePerS,
            durationS: p.propagationDurationS,
            readableSampleEvery: 1,
            log,
          }),
        );
      }
    }
    if (options.only.includes('subscribers')) {
      raw.subscribers = [];
      const subscriberClients = new Map((await clientAuthorizations(accounts.subscribers.flat(), owners)).map((c) => [c.id, c.authorization]));
      for (const count of p.subscriberCounts) {
        // As the one admin, and as each account's own client (one identity per account).
        for (const identities of ['admin', 'clients']) {
          const versions = await readVersions(gatewayUrl, accounts.subscribers.flat());
          const perConnection = 10;
          const authorizationOf = identities === 'clients' ? (id) => subscriberClients.get(id) : undefined;
          raw.subscribers.push(
            await scenario(`subscribers_${count}_${identities}`, () =>
              runSubscriberScale({
                gatewayUrl,
                wsUrl,
                pairs: accounts.subscribers,
                versions,
                count,
                perConnection,
                ratePerS: p.subscriberRatePerS,
                durationS: p.subscriberDurationS,
                log,
                rssNow: () => sampler.currentMb('gateway'),
                authorizationOf,
                identities,
              }),
            ),
          );
          await new Promise((r) => setTimeout(r, 2_000)); // let the gateway release the closed subscriptions
        }
      }
    }
    if (options.only.includes('resume')) {
      raw.resume = await scenario('resume', () =>
        runResume({
          agent,
          gatewayUrl,
          wsUrl,
          pair: accounts.resume,
          missed: p.resumeMissedVersions,
          repetitions: p.resumeRepetitions,
          reads: p.minVersionReads,
          log,
        }),
      );
    }
    if (!options.running && ['transfers', 'propagation', 'resume'].some((name) => options.only.includes(name))) {
      raw.reconciler = await reconcile({ urls: databaseUrls, brokers, env: { ...authEnv, ...kafkaEnv } });
      log(`reconciler: ${raw.reconciler.status}`);
    }
    agent.destroy();
    raw.machine.load_after = os.loadavg().map((l) => Math.round(l * 100) / 100);
    raw.duration_s = Math.round((Date.now() - startedMs) / 1000);
    const summary = summaryOf(raw);
    const targets = targetsOf(summary, raw);
    const table = humanTable(raw, summary, targets);
    mkdirSync(resultsDir, { recursive: true });
    raw.file_date = raw.date.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
    const json = `${JSON.stringify({ ...summary, targets, details: raw }, null, 2)}\n`;
    if (options.record) {
      // latest.json and a dated copy are committed; earlier dated copies stay beside them.
      writeFileSync(path.join(resultsDir, 'latest.json'), json);
      writeFileSync(path.join(resultsDir, `${raw.file_date}.json`), json);
      // The hand-written "## Findings" section (profiles, causes) survives a re-record.
      const file = path.join(root, 'bench/RESULTS.md');
      const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
      const findings = previous.includes('\n## Findings') ? previous.slice(previous.indexOf('\n## Findings')) : '';
      writeFileSync(file, resultsMarkdown(raw, summary, targets, table) + findings);
      writeReadmeFigures(path.join(root, 'README.md'), path.join(resultsDir, 'latest.json'));
    } else writeFileSync(path.join(resultsDir, 'unrecorded.json'), json);
    console.log(`\n${table}\n`);
    log(
      `wrote ${options.record ? `bench/results/latest.json, bench/results/${raw.file_date}.json, bench/RESULTS.md and README.md's figures` : 'bench/results/unrecorded.json (git-ignored; --record writes latest.json)'}; logs in ${workDir}`,
    );
  } finally {
    await stopEverything();
    if (options.cpuProfile) log('CPU profiles in bench/results/profiles/{gateway,wallet,balance}/ (open in Chrome DevTools or speedscope)');
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`[bench] failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
