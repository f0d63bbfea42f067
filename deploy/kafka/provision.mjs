#!/usr/bin/env node
// The compose `kafka-init` one-shot (tools image): the topics and every principal's ACLs, with the
// same code `npm run kafka` and the tests use (platform/src/kafka/access.ts). The broker principal
// (the only super user) grants the admin principal its rights; the admin creates the topics
// (replication factor 3 and min.insync.replicas 2 from the brokers' defaults) and the ACLs.
// Idempotent: existing topics and ACLs are left as they are (partitions are only ever raised).
//
//   KAFKA_BROKERS                  kafka-1:29092,kafka-2:29092,kafka-3:29092
//   KAFKA_TOPIC_PARTITIONS         partitions per topic (the services' KAFKA_TOPIC_PARTITIONS)
//   KAFKA_BROKER_PASSWORD_FILE, KAFKA_ADMIN_PASSWORD_FILE (and optional _USERNAME)
// Topic, group and principal names are the defaults the compose services use.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const platform = Object.assign({}, ...['core', 'kafka'].map((door) => require(path.join(root, `platform/dist/${door}/index.js`))));

const log = (line) => process.stdout.write(`[kafka-init] ${line}\n`);
const brokers = (process.env.KAFKA_BROKERS ?? '')
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
const partitions = Number(process.env.KAFKA_TOPIC_PARTITIONS ?? 3);
if (brokers.length === 0 || !Number.isInteger(partitions) || partitions < 1) {
  process.stderr.write('kafka-init: KAFKA_BROKERS and a positive KAFKA_TOPIC_PARTITIONS are required\n');
  process.exit(64);
}
const logger = platform.createLogger({ name: 'kafka-init', level: 'warn' });
const client = (principal) =>
  platform.createKafka(
    { brokers, clientId: `kafka-init-${principal}`, sasl: platform.kafkaCredentialsFromEnv(principal, process.env, 'kafka-init').sasl },
    logger,
  );

const names = platform.kafkaAccessNames({
  principals: Object.fromEntries(
    ['wallet', 'balance', 'reconciler', 'admin', 'observer'].map((principal) => [
      principal,
      process.env[platform.kafkaCredentialVariables(principal).username] ?? principal,
    ]),
  ),
});
const rules = platform.walletgraphAclRules(names);
try {
  await platform.provisionKafka(client('broker'), { topics: [], rules: rules.filter((rule) => rule.principal === names.principals.admin) });
  const { createdTopics, undersizedTopics } = await platform.provisionWalletgraph(client('admin'), names, partitions);
  for (const t of undersizedTopics) {
    log(
      `warning: topic ${t.topic} has ${t.partitionCount} partitions, fewer than the ${t.partitionCountWanted} configured; it is not grown automatically (adding partitions moves accounts to other partitions: drain it first, then kafka-topics --alter)`,
    );
  }
  log(`topics: ${createdTopics.length ? `created ${createdTopics.join(', ')}` : 'all present'} (${partitions} partitions); ACLs: ${rules.length} bindings`);
} catch (error) {
  // kafkajs aggregates per-topic errors (e.g. a replication factor above the live brokers).
  const inner = Array.isArray(error?.errors) ? `: ${error.errors.map((e) => e.message).join('; ')}` : '';
  process.stderr.write(`kafka-init: ${error instanceof Error ? error.message : String(error)}${inner}\n`);
  process.exit(1);
}
