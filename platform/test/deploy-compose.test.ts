// Static checks of the Docker deployment (docker-compose*.yml, Dockerfile, .dockerignore, and dclint
// over both compose files): no Docker engine is needed. Each check is a pure function returning
// problems; the real files must have none, and a table of deliberately broken copies proves every
// check can fail. The services' configs are loaded with the secrets the real deploy/secrets.mjs
// makes, as the `secrets` one-shot would on the first `docker compose up`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { authEnvFields } from '@walletgraph/platform/auth';
import { tracingEnvFields } from '@walletgraph/platform/tracing';
import { resolveEnvFiles, ENV_FILE_SUFFIX, isPublishedSecret } from '@walletgraph/platform/core';
import { parseMysqlUrl } from '@walletgraph/platform/db';
import { DEFAULT_KAFKA_ACCESS_NAMES, kafkaCredentialFields, kafkaCredentialVariables, type KafkaPrincipal } from '@walletgraph/platform/kafka';
import {
  SECRETS_MOUNT,
  SECRETS_SERVICE,
  composeFiles,
  declaredSecrets,
  environmentOf,
  exists,
  isPlainObject,
  load,
  parseDockerfile,
  parseDotEnv,
  read,
  root,
  runSecretsScript,
  withSecretsDir,
  type Compose,
  type ComposeService,
  type Env,
  type Instruction,
  type Problems,
  type Stage,
} from './support/compose';
import { loadWalletConfig, walletStoreEnvFields, type WalletConfig } from '../../subgraph-wallet/src/config.js';
import { loadBalanceConfig, type BalanceConfig } from '../../subgraph-balance/src/config.js';
import { loadGatewayConfig, type GatewayConfig } from '../../gateway/src/config.js';

// ---------------------------------------------------------------------------------------------
// Compose checks

const oneShotConditions = new Set(['service_completed_successfully']);
const allowedConditions = new Set(['service_healthy', 'service_completed_successfully']);
const floatingTags = new Set(['latest', 'main', 'master', 'edge', 'stable', 'lts', 'current', 'nightly']);

/** Services another one waits to complete: they run once and exit, so they have no health check. */
function oneShotServices(compose: Compose): Set<string> {
  const names = new Set<string>();
  for (const service of Object.values(compose.services)) {
    const dependsOn = service.depends_on;
    if (!isPlainObject(dependsOn)) continue;
    for (const [name, spec] of Object.entries(dependsOn)) if (oneShotConditions.has(String(spec?.condition))) names.add(name);
  }
  return names;
}

/** Services in a profile are commands run on demand (`docker compose run --rm token`), not started by `up`. */
function toolServices(compose: Compose): Set<string> {
  return new Set(
    Object.entries(compose.services)
      .filter(([, service]) => (service.profiles ?? []).length > 0)
      .map(([name]) => name),
  );
}

/** `name:tag` with a versioned tag, or a digest; never `latest` nor a missing tag. */
function imageProblem(image: string): string | undefined {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  const tag = /:([^/:]+)$/.exec(image)?.[1];
  if (tag === undefined) return `image ${image} has no tag (means latest): pin a version`;
  if (floatingTags.has(tag.toLowerCase()) || !/\d/.test(tag)) return `image ${image} is not pinned to a version`;
  return undefined;
}

function checkImages(compose: Compose): Problems {
  const problems: Problems = [];
  for (const [name, service] of Object.entries(compose.services)) {
    if (service.build !== undefined) {
      // With both, compose first tries to pull that name from a registry: whoever owns it there runs instead.
      if (service.image !== undefined)
        problems.push(`${name}: built from the Dockerfile, so it must not also name an image (${service.image}) that compose would try to pull`);
      continue;
    }
    if (service.image === undefined) problems.push(`${name}: neither image nor build`);
    else {
      const problem = imageProblem(service.image);
      if (problem) problems.push(`${name}: ${problem}`);
    }
  }
  return problems;
}

function checkHealthAndDependencies(compose: Compose): Problems {
  const problems: Problems = [];
  const oneShots = oneShotServices(compose);
  const tools = toolServices(compose);
  const hasHealthcheck = (service: ComposeService | undefined): boolean => {
    const test = service?.healthcheck?.test;
    const words = Array.isArray(test) ? test : typeof test === 'string' ? [test] : [];
    return service?.healthcheck?.disable !== true && words.length > 0 && words[0] !== 'NONE';
  };
  for (const [name, service] of Object.entries(compose.services)) {
    if (oneShots.has(name) || tools.has(name)) {
      if (service.restart !== undefined && service.restart !== 'no') problems.push(`${name}: a one-shot service must not restart (restart: "no")`);
    } else if (!hasHealthcheck(service)) problems.push(`${name}: a long-running service needs a healthcheck`);
    const dependsOn = service.depends_on;
    if (dependsOn === undefined) continue;
    if (!isPlainObject(dependsOn)) {
      problems.push(`${name}: depends_on must be a mapping with a condition per service (a list only waits for start)`);
      continue;
    }
    for (const [target, spec] of Object.entries(dependsOn)) {
      const condition = String(spec?.condition);
      if (!(target in compose.services)) problems.push(`${name}: depends_on unknown service ${target}`);
      else if (!allowedConditions.has(condition))
        problems.push(`${name}: depends_on ${target} needs condition service_healthy or service_completed_successfully (got ${condition})`);
      else if (condition === 'service_healthy' && !hasHealthcheck(compose.services[target]))
        problems.push(`${name}: waits for ${target} to be healthy, but ${target} has no healthcheck`);
    }
  }
  return problems;
}

interface PortMapping {
  host: number | undefined;
  container: number;
  hostIp: string | undefined;
}

function portMappings(service: ComposeService | undefined): PortMapping[] {
  return (service?.ports ?? []).map((entry) => {
    if (typeof entry === 'object')
      return { host: entry.published === undefined ? undefined : Number(entry.published), container: Number(entry.target), hostIp: entry.host_ip };
    const parts = String(entry)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const container = Number(parts.pop());
    const host = parts.length > 0 ? Number(parts.pop()) : undefined;
    return { host, container, hostIp: parts.pop() };
  });
}

const LOOPBACK = '127.0.0.1';
/** The variables that choose where ports are published, and the services each one may open. */
const publishVariables: Readonly<Record<string, readonly string[]>> = {
  GATEWAY_PUBLISH_ADDRESS: ['gateway'],
  SUBGRAPH_PUBLISH_ADDRESS: ['subgraph-wallet', 'subgraph-balance', 'balance-lb'],
};

/** Without a .env every published port listens on loopback: nothing is reachable from other machines. */
function checkPublishing(compose: Compose): Problems {
  const problems: Problems = [];
  for (const [name, service] of Object.entries(compose.services)) {
    for (const { host, container, hostIp } of portMappings(service)) {
      if (hostIp === undefined || hostIp === '')
        problems.push(`${name}: port ${host ?? container} is published on every interface; give its host_ip (${LOOPBACK} by default)`);
      else if (hostIp !== LOOPBACK) problems.push(`${name}: port ${host ?? container} is published on ${hostIp} by default, not ${LOOPBACK}`);
    }
  }
  return problems;
}

/** The named volume (and its mode) a service mounts at `target`. */
function mountAt(service: ComposeService | undefined, target: string): { source: string; readOnly: boolean } | undefined {
  for (const volume of service?.volumes ?? []) {
    if (typeof volume !== 'string') continue;
    const [source = '', at = '', mode = ''] = volume.split(':');
    if (at === target) return { source, readOnly: mode.split(',').includes('ro') };
  }
  return undefined;
}

const secretLikeName = /(SECRET|PASSWORD|PASSWD|PRIVATE_KEY|CREDENTIALS?)$/;
const urlWithPassword = /[a-z][a-z0-9+.-]*:\/\/[^/@:\s]*:[^/@\s]+@/i;

/**
 * No secret that works is in the repository: every one comes from the `secrets` volume, made by the
 * `secrets` one-shot with no default value, and read through NAME_FILE by services that wait for it.
 */
function checkSecrets(compose: Compose): Problems {
  const problems: Problems = [];
  const generator = compose.services[SECRETS_SERVICE];
  if (!generator) return [`${SECRETS_SERVICE}: missing from compose (it makes the secrets)`];
  const volume = mountAt(generator, SECRETS_MOUNT);
  if (!volume || volume.readOnly) problems.push(`${SECRETS_SERVICE}: must mount a volume writable at ${SECRETS_MOUNT}`);
  if (generator.network_mode !== 'none') problems.push(`${SECRETS_SERVICE}: needs no network (network_mode: none)`);
  const declared = declaredSecrets(compose);
  const files = new Set([...declared.secrets, ...declared.derived]);
  const generatorEnv = environmentOf(generator);
  for (const name of declared.secrets) {
    if (generatorEnv[`SECRET_${name}`] !== '')
      problems.push(`${SECRETS_SERVICE}: SECRET_${name} has a value in the repository; it must default to empty (random)`);
  }
  for (const name of declared.derived) {
    if (urlWithPassword.test((generatorEnv[`DERIVED_${name}`] ?? '').replace(/\{[A-Z0-9_]+\}/g, '')))
      problems.push(`${SECRETS_SERVICE}: DERIVED_${name} holds a password of its own instead of {SECRET}`);
  }
  const read = new Set<string>();
  for (const [name, service] of Object.entries(compose.services)) {
    if (name === SECRETS_SERVICE) continue;
    const env = environmentOf(service);
    for (const [variable, value] of Object.entries(env)) {
      if (variable.endsWith(ENV_FILE_SUFFIX) && value.startsWith(`${SECRETS_MOUNT}/`)) {
        const file = value.slice(SECRETS_MOUNT.length + 1);
        if (!files.has(file)) problems.push(`${name}: ${variable} reads ${file}, which ${SECRETS_SERVICE} does not make`);
        read.add(file);
      } else if (secretLikeName.test(variable))
        problems.push(`${name}: ${variable} is set in the compose file; read it from the secrets volume (${variable}${ENV_FILE_SUFFIX})`);
      else if (urlWithPassword.test(value) || isPublishedSecret(value))
        problems.push(`${name}: ${variable} carries a password in the compose file; read it from the secrets volume (${variable}${ENV_FILE_SUFFIX})`);
    }
    const mount = mountAt(service, SECRETS_MOUNT);
    if (mount === undefined) continue;
    if (!mount.readOnly) problems.push(`${name}: mounts the secrets writable; only ${SECRETS_SERVICE} writes them (:ro)`);
    const waits = isPlainObject(service.depends_on) ? service.depends_on[SECRETS_SERVICE]?.condition : undefined;
    if (waits !== 'service_completed_successfully')
      problems.push(`${name}: reads the secrets, so it must wait for ${SECRETS_SERVICE} (service_completed_successfully)`);
  }
  for (const file of files) if (!read.has(file)) problems.push(`${SECRETS_SERVICE}: ${file} is made but no service reads it`);
  const mysql = environmentOf(compose.services['mysql']);
  for (const variable of ['MYSQL_ALLOW_EMPTY_PASSWORD', 'MYSQL_RANDOM_ROOT_PASSWORD'])
    if (variable in mysql) problems.push(`mysql: ${variable} is set; the root password is the MYSQL_ROOT_PASSWORD secret`);
  if (!mysql['MYSQL_ROOT_PASSWORD_FILE']?.startsWith(`${SECRETS_MOUNT}/`))
    problems.push('mysql: MYSQL_ROOT_PASSWORD_FILE must name a file in the secrets volume (without it the image refuses to start)');
  const mysqlHealth = JSON.stringify(compose.services['mysql']?.healthcheck?.test ?? '');
  if (!mysqlHealth.includes('MYSQL_ROOT_PASSWORD_FILE')) problems.push('mysql: the healthcheck must log in with the password from MYSQL_ROOT_PASSWORD_FILE');
  return problems;
}

/** Every bind mount's host path exists in the repository. */
function checkBindMounts(compose: Compose): Problems {
  const problems: Problems = [];
  for (const [name, service] of Object.entries(compose.services)) {
    for (const volume of service.volumes ?? []) {
      const source = typeof volume === 'string' ? volume.split(':')[0] : volume.type === 'bind' ? volume.source : undefined;
      if (source === undefined || !/^[./]/.test(source)) continue;
      if (!exists(source)) problems.push(`${name}: bind mount ${source} does not exist in the repository`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Services: every variable validated by their own config modules

interface Loaded {
  wallet?: WalletConfig;
  balance?: BalanceConfig;
  gateway?: GatewayConfig;
}

/** The `z.object({ NAME: … })` keys of a config module: every variable the process reads. */
function configKeys(configFile: string): Set<string> {
  const source = read(configFile);
  const open = source.search(/\bz\s*\.object\(\{/);
  if (open < 0) return new Set();
  let depth = 0;
  let end = source.indexOf('{', open);
  for (let index = end; index < source.length; index += 1) {
    if (source[index] === '{') depth += 1;
    if (source[index] === '}') depth -= 1;
    if (depth === 0) {
      end = index;
      break;
    }
  }
  const body = source.slice(open, end);
  const keys = new Set([...body.matchAll(/^\s+([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1] ?? ''));
  // Shared sets of variables spread into the schema (token settings, the wallet store's) are read too.
  const spreads: Readonly<Record<string, object>> = { authEnvFields, walletStoreEnvFields, tracingEnvFields };
  for (const [name, fields] of Object.entries(spreads)) {
    if (new RegExp(`\\.\\.\\.${name}\\b`).test(body)) for (const key of Object.keys(fields)) keys.add(key);
  }
  // ...kafkaCredentialFields('wallet'): the principal's KAFKA_WALLET_USERNAME / _PASSWORD.
  for (const match of body.matchAll(/\.\.\.kafkaCredentialFields\('([a-z]+)'\)/g))
    for (const key of Object.keys(kafkaCredentialFields(match[1] as KafkaPrincipal))) keys.add(key);
  return keys;
}

const nodeServices = [
  { name: 'subgraph-wallet', configFile: 'subgraph-wallet/src/config.ts', load: loadWalletConfig },
  { name: 'subgraph-balance', configFile: 'subgraph-balance/src/config.ts', load: loadBalanceConfig },
  { name: 'gateway', configFile: 'gateway/src/config.ts', load: loadGatewayConfig },
] as const;

/** Strings in a loaded config that point at the container itself: a variable compose forgot. */
function loopbackValues(value: unknown, at: string): string[] {
  if (typeof value === 'string') return /(^|[/@])(127\.0\.0\.1|localhost|\[?::1\]?)([:/]|$)/.test(value) ? [`${at}=${value}`] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => loopbackValues(item, `${at}[${index}]`));
  if (isPlainObject(value)) return Object.entries(value).flatMap(([key, item]) => loopbackValues(item, at ? `${at}.${key}` : key));
  return [];
}

/** `secretsDir`: the secrets volume, filled by the real deploy/secrets.mjs. */
function checkServiceConfigs(compose: Compose, loaded: Loaded, secretsDir: string): Problems {
  const problems: Problems = [];
  for (const { name, configFile, load } of nodeServices) {
    const service = compose.services[name];
    if (!service) {
      problems.push(`${name}: missing from compose`);
      continue;
    }
    const env = environmentOf(service);
    const keys = configKeys(configFile);
    for (const variable of Object.keys(env)) {
      const read = keys.has(variable) || (variable.endsWith(ENV_FILE_SUFFIX) && keys.has(variable.slice(0, -ENV_FILE_SUFFIX.length)));
      if (!read && variable !== 'NODE_ENV') problems.push(`${name}: ${variable} is set but not read by ${configFile} (a typo is silently ignored)`);
    }
    let config: unknown;
    try {
      config = load({ ...withSecretsDir(env, secretsDir), NODE_ENV: 'production' });
    } catch (error: unknown) {
      problems.push(`${name}: ${configFile} rejects the compose environment: ${(error as Error).message.replace(/\n\s*/g, '; ')}`);
      continue;
    }
    for (const found of loopbackValues(config, '')) problems.push(`${name}: ${found} points at the container itself; set it in compose`);
    const host = (config as { host?: unknown }).host;
    if (host !== '0.0.0.0' && host !== '::')
      problems.push(`${name}: listens on ${String(host)}, unreachable from other containers (set the HOST variable to 0.0.0.0)`);
    if (name === 'subgraph-wallet') loaded.wallet = config as WalletConfig;
    if (name === 'subgraph-balance') loaded.balance = config as BalanceConfig;
    if (name === 'gateway') loaded.gateway = config as GatewayConfig;
  }
  return problems;
}

/** Each published host port equals the config default, and reaches the port the process listens on. */
function checkPorts(compose: Compose, loaded: Loaded): Problems {
  const problems: Problems = [];
  const defaults = { wallet: loadWalletConfig({}), balance: loadBalanceConfig({}), gateway: loadGatewayConfig({}) };
  const expected: Array<{ service: string; host: number; container: number | undefined }> = [
    { service: 'subgraph-wallet', host: defaults.wallet.graphqlPort, container: loaded.wallet?.graphqlPort },
    { service: 'subgraph-wallet', host: defaults.wallet.restPort, container: loaded.wallet?.restPort },
    { service: 'subgraph-balance', host: defaults.balance.port, container: loaded.balance?.port },
    { service: 'subgraph-balance', host: defaults.balance.restPort, container: loaded.balance?.restPort },
    { service: 'gateway', host: defaults.gateway.port, container: loaded.gateway?.port },
  ];
  const balanceReplicas = compose.services['subgraph-balance']?.deploy?.replicas ?? 1;
  for (const { service, host, container } of expected) {
    if (container === undefined) continue;
    const viaLoadBalancer = service === 'subgraph-balance' && balanceReplicas > 1;
    const publisher = viaLoadBalancer ? 'balance-lb' : service;
    const mapping = portMappings(compose.services[publisher]).find((m) => m.host === host);
    if (!mapping) problems.push(`${publisher}: host port ${host} (the config default) is not published`);
    else if (!viaLoadBalancer && mapping.container !== container)
      problems.push(`${service}: host port ${host} maps to container port ${mapping.container}, but the process listens on ${container}`);
  }
  if (balanceReplicas > 1 && portMappings(compose.services['subgraph-balance']).some((m) => m.host !== undefined)) {
    problems.push('subgraph-balance: with several replicas a fixed host port can be bound by one only; publish through the load balancer');
  }
  // Each broker advertises localhost:HOST_PORT to host clients (broker.sh), so that port must be published as is.
  for (const name of kafkaBrokerNames(compose)) {
    const hostPort = Number(environmentOf(compose.services[name])['HOST_PORT']);
    if (!portMappings(compose.services[name]).some((m) => m.host === hostPort && m.container === hostPort))
      problems.push(`${name}: its HOST listener port ${hostPort} (advertised as localhost:${hostPort}) is not published as ${hostPort}:${hostPort}`);
  }
  return problems;
}

function healthcheckPort(service: ComposeService | undefined): number | undefined {
  const test = service?.healthcheck?.test;
  const text = Array.isArray(test) ? test.join(' ') : String(test ?? '');
  const match = /127\.0\.0\.1:(\d+)\/health\/ready/.exec(text);
  return match ? Number(match[1]) : undefined;
}

function urlTarget(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || (parsed.protocol === 'https:' || parsed.protocol === 'wss:' ? 443 : 80)) };
}

/** The services reach one another: URLs name compose services on the ports they listen on. */
function checkWiring(compose: Compose, loaded: Loaded, secretsDir: string): Problems {
  const problems: Problems = [];
  const { wallet, balance, gateway } = loaded;
  if (!wallet || !balance || !gateway) return problems;
  const balanceReplicas = compose.services['subgraph-balance']?.deploy?.replicas ?? 1;
  const listeners: Record<string, number[]> = {
    'subgraph-wallet': [wallet.graphqlPort],
    'subgraph-balance': balanceReplicas > 1 ? [] : [balance.port],
    'balance-lb': balanceReplicas > 1 ? [balance.port] : [],
  };
  const subgraphUrls = {
    wallet: gateway.subgraphs.wallet.httpUrl,
    balance: gateway.subgraphs.balance.httpUrl,
    'balance (ws)': gateway.subgraphs.balance.wsUrl,
  };
  for (const [label, url] of Object.entries(subgraphUrls)) {
    const { host, port } = urlTarget(url);
    if (!(listeners[host] ?? []).includes(port)) problems.push(`gateway: ${label} subgraph URL ${url} reaches no service listening there`);
  }
  for (const [name, port] of [
    ['subgraph-wallet', wallet.graphqlPort],
    ['subgraph-balance', balance.port],
    ['gateway', gateway.port],
  ] as const) {
    if (healthcheckPort(compose.services[name]) !== port) problems.push(`${name}: healthcheck does not probe /health/ready on its port ${port}`);
  }
  // broker.sh advertises INTERNAL://<INTERNAL_HOST>:29092 on the compose network.
  const kafkaInternal = kafkaBrokerNames(compose)
    .map((name) => `${environmentOf(compose.services[name])['INTERNAL_HOST']}:29092`)
    .join(',');
  const initBrokers = environmentOf(compose.services['kafka-init'])['KAFKA_BROKERS'];
  for (const [name, brokers] of [
    ['subgraph-wallet', wallet.kafkaBrokers.join(',')],
    ['subgraph-balance', balance.kafkaBrokers.join(',')],
    ['kafka-init', initBrokers],
  ] as const) {
    if (brokers !== kafkaInternal) problems.push(`${name}: KAFKA_BROKERS ${String(brokers)} is not every broker's in-network listener ${kafkaInternal}`);
  }
  problems.push(...checkDatabases(compose, wallet, balance, secretsDir), ...checkTopics(compose, wallet, balance));
  return problems;
}

function checkDatabases(compose: Compose, wallet: WalletConfig, balance: BalanceConfig, secretsDir: string): Problems {
  const problems: Problems = [];
  // The URLs as the migrate one-shot reads them (scripts/db.mjs resolves NAME_FILE the same way).
  const migrate = resolveEnvFiles(withSecretsDir(environmentOf(compose.services['migrate']), secretsDir), ['WALLET_DATABASE_URL', 'BALANCE_DATABASE_URL']).env;
  const pairs = [
    ['WALLET_DATABASE_URL', wallet.databaseUrl, 'wallet'],
    ['BALANCE_DATABASE_URL', balance.databaseUrl, 'ms_balance'],
  ] as const;
  for (const [variable, serviceUrl, database] of pairs) {
    const target = parseMysqlUrl(serviceUrl);
    if (!(target.host in compose.services)) problems.push(`${variable}: host ${target.host} is not a compose service`);
    if (target.database !== database) problems.push(`${variable}: database ${target.database}, expected ${database}`);
    if (migrate[variable] !== serviceUrl) problems.push(`migrate: ${variable} differs from the one the service uses, so it would migrate another database`);
  }
  const init = exists('deploy/mysql/init') ? read('deploy/mysql/init/01-databases.sql') : '';
  for (const database of ['wallet', 'ms_balance']) if (!init.includes(`\`${database}\``)) problems.push(`mysql: the init SQL does not create ${database}`);
  return problems;
}

/**
 * kafka-init (deploy/kafka/provision.mjs) creates the default topics and ACLs
 * (platform/src/kafka/access.ts): the services must use exactly those names, or they are refused.
 */
function checkTopics(compose: Compose, wallet: WalletConfig, balance: BalanceConfig): Problems {
  const problems: Problems = [];
  const init = environmentOf(compose.services['kafka-init']);
  const entry = JSON.stringify(compose.services['kafka-init']?.entrypoint ?? '');
  if (!entry.includes('deploy/kafka/provision.mjs')) problems.push('kafka-init: does not run deploy/kafka/provision.mjs (the topics and ACLs)');
  const names = DEFAULT_KAFKA_ACCESS_NAMES;
  const used: Array<[string, string, string]> = [
    ['subgraph-wallet', wallet.topics.transactions, names.topics.transactions],
    ['subgraph-wallet', wallet.topics.balances, names.topics.balances],
    ['subgraph-balance', balance.topics.balances, names.topics.balances],
    ['subgraph-balance', balance.topics.deadLetter, names.topics.balancesDeadLetter],
    ['subgraph-balance', balance.topics.live, names.topics.balancesLive],
    ['subgraph-balance', balance.consumerGroup, names.balanceGroup],
    ['subgraph-balance', balance.liveGroupPrefix, names.balanceLiveGroupPrefix],
  ];
  for (const [service, value, provisioned] of used)
    if (value !== provisioned) problems.push(`${service}: uses ${value}, but kafka-init provisions ${provisioned} (topics and ACLs)`);
  const partitions = Number(init['KAFKA_TOPIC_PARTITIONS']);
  if (partitions !== wallet.topics.partitionCount || partitions !== balance.topicPartitionCount)
    problems.push(`kafka-init: ${partitions} partitions, the services expect ${wallet.topics.partitionCount}/${balance.topicPartitionCount}`);
  return problems;
}

/** The Kafka nodes: services running deploy/kafka/broker.sh. */
function kafkaBrokerNames(compose: Compose): string[] {
  return Object.entries(compose.services)
    .filter(([, service]) => JSON.stringify(service.entrypoint ?? '').includes('broker.sh'))
    .map(([name]) => name)
    .sort();
}

const SECRETS_FILE = (variable: string): string => `${SECRETS_MOUNT}/${variable}`;
/** Who authenticates as which principal (each reads that principal's password file, and no other). */
const kafkaClients: ReadonlyArray<[string, KafkaPrincipal[]]> = [
  ['subgraph-wallet', ['wallet']],
  ['subgraph-balance', ['balance']],
  ['kafka-init', ['broker', 'admin']],
  ['kafka-ui', ['observer']],
];

/**
 * Three KRaft nodes in one quorum (broker.sh: SASL/SCRAM on every client listener, ACLs, replication
 * 3, min.insync 2), each creating the users of every principal a client uses, and each client
 * reading its own principal's password from the secrets volume.
 */
function checkKafka(compose: Compose): Problems {
  const problems: Problems = [];
  const brokers = kafkaBrokerNames(compose);
  if (brokers.length !== 3)
    problems.push(
      `Kafka: ${brokers.length} broker(s) (${brokers.join(', ') || 'none'}); three KRaft nodes are needed for replication factor 3 with min.insync.replicas 2`,
    );
  const envs = brokers.map((name) => environmentOf(compose.services[name]));
  const voters = envs.map((env) => `${env['NODE_ID']}@${env['INTERNAL_HOST']}:9093`).join(',');
  const ids = new Set(envs.map((env) => env['NODE_ID']));
  if (ids.size !== brokers.length) problems.push(`Kafka: node ids ${envs.map((env) => env['NODE_ID']).join(', ')} are not distinct`);
  if (new Set(envs.map((env) => env['CLUSTER_ID'])).size !== 1) problems.push('Kafka: the nodes do not share one CLUSTER_ID');
  const needed = new Set(kafkaClients.flatMap(([, principals]) => principals));
  brokers.forEach((name, index) => {
    const env = envs[index] ?? {};
    if (env['QUORUM_VOTERS'] !== voters) problems.push(`${name}: QUORUM_VOTERS ${String(env['QUORUM_VOTERS'])} is not every node (${voters})`);
    if (env['INTERNAL_HOST'] !== name) problems.push(`${name}: INTERNAL_HOST ${String(env['INTERNAL_HOST'])} is not its service name`);
    for (const principal of needed) {
      const variable = `${kafkaCredentialVariables(principal).password}_FILE`;
      if (env[variable] !== SECRETS_FILE(kafkaCredentialVariables(principal).password))
        problems.push(`${name}: does not create the ${principal} user (${variable})`);
    }
    const health = JSON.stringify(compose.services[name]?.healthcheck?.test ?? '');
    if (!health.includes('--command-config')) problems.push(`${name}: the healthcheck must authenticate (--command-config), every listener wants SASL`);
  });
  for (const [service, principals] of kafkaClients) {
    const env = environmentOf(compose.services[service]);
    const read = Object.entries(env).filter(([variable]) => /^KAFKA_[A-Z]+_PASSWORD_FILE$/.test(variable));
    for (const [variable, file] of read) {
      const own = principals.some(
        (principal) =>
          file === SECRETS_FILE(kafkaCredentialVariables(principal).password) && variable === `${kafkaCredentialVariables(principal).password}_FILE`,
      );
      if (!own) problems.push(`${service}: ${variable} reads ${file.slice(SECRETS_MOUNT.length + 1)}, not its own principal's (${principals.join(', ')})`);
    }
    for (const principal of principals) {
      if (!read.some(([variable]) => variable === `${kafkaCredentialVariables(principal).password}_FILE`))
        problems.push(`${service}: does not read the ${principal} password (${kafkaCredentialVariables(principal).password}_FILE)`);
    }
  }
  const script = exists('deploy/kafka/broker.sh') ? read('deploy/kafka/broker.sh') : '';
  const required = [
    'listener.security.protocol.map=INTERNAL:SASL_PLAINTEXT,HOST:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    'default.replication.factor=3',
    'min.insync.replicas=2',
    'unclean.leader.election.enable=false',
    '--add-scram',
  ];
  for (const line of required) if (!script.includes(line)) problems.push(`deploy/kafka/broker.sh: lacks ${line}`);
  if (/:PLAINTEXT\b/.test(script)) problems.push('deploy/kafka/broker.sh: a PLAINTEXT listener (unauthenticated)');
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Dockerfile and .dockerignore

const globParts = new Map([
  ['**/', '(?:.*/)?'],
  ['**', '.*'],
  ['*', '[^/]*'],
  ['?', '[^/]'],
]);

/** .dockerignore patterns (Go filepath.Match plus `**`, `!` exceptions, last match wins). */
function dockerIgnored(patterns: string[], file: string): boolean {
  const toRegExp = (pattern: string): RegExp => {
    const body = pattern
      .replace(/^\/+|\/+$/g, '')
      .split(/(\*\*\/|\*\*|\*|\?)/)
      .map((part) => globParts.get(part) ?? part.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
      .join('');
    return new RegExp(`^${body}(?:/.*)?$`);
  };
  let ignored = false;
  for (const raw of patterns) {
    const pattern = raw.trim();
    if (pattern === '' || pattern.startsWith('#')) continue;
    const negated = pattern.startsWith('!');
    if (toRegExp(negated ? pattern.slice(1) : pattern).test(file)) ignored = !negated;
  }
  return ignored;
}

/** Files made by `npm run build`, not present in a clean checkout: each with the source it comes from. */
const buildOutputs: Array<{ pattern: RegExp; source: (match: RegExpExecArray) => string }> = [
  { pattern: /^([\w-]+)\/dist(\/.*)?$/, source: (m) => `${m[1]}/src` },
  { pattern: /^gateway\/public$/, source: () => 'gateway/src/playground' },
];

function copyArguments(args: string): { from: string | undefined; sources: string[]; destination: string } {
  const words = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  const from = words.find((word) => word.startsWith('--from='))?.slice('--from='.length);
  const paths = words.filter((word) => !word.startsWith('--'));
  return { from, sources: paths.slice(0, -1), destination: paths.at(-1) ?? '' };
}

function checkCopy(stage: Stage, instruction: Instruction, stageNames: Set<string>, ignore: string[]): Problems {
  const problems: Problems = [];
  const at = `Dockerfile:${instruction.line} (${stage.name})`;
  const { from, sources } = copyArguments(instruction.args);
  for (const source of sources) {
    const relative = source.replace(/^\/app\/?/, '').replace(/\/$/, '');
    if (from === undefined) {
      if (!exists(relative)) problems.push(`${at}: COPY source ${source} does not exist in the repository`);
      else if (dockerIgnored(ignore, relative)) problems.push(`${at}: COPY source ${source} is excluded by .dockerignore`);
      continue;
    }
    if (!stageNames.has(from)) problems.push(`${at}: COPY --from=${from} names no earlier stage`);
    if (relative === '' || source.startsWith('/opt/') || source.startsWith('/tmp/')) continue;
    if (exists(relative)) continue;
    const output = buildOutputs.map(({ pattern, source: origin }) => ({ match: pattern.exec(relative), origin })).find(({ match }) => match);
    if (!output?.match) problems.push(`${at}: COPY --from=${from} ${source} is neither in the repository nor a known build output`);
    else if (!exists(output.origin(output.match))) problems.push(`${at}: ${source} is built from ${output.origin(output.match)}, which does not exist`);
  }
  return problems;
}

function checkCmd(stage: Stage, instruction: Instruction): Problems {
  const at = `Dockerfile:${instruction.line} (${stage.name})`;
  let words: string[];
  try {
    words = JSON.parse(instruction.args) as string[];
  } catch {
    return [`${at}: CMD must be exec form (JSON), so the process gets signals`];
  }
  const script = words.slice(1).find((word) => /\.(m?js|sh)$/.test(word));
  if (script === undefined) return [`${at}: CMD runs no script: ${instruction.args}`];
  const copied = stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .flatMap((i) => copyArguments(i.args).sources.map((source) => source.replace(/^\/app\/?/, '').replace(/\/$/, '')))
    .some((source) => source !== '' && script.startsWith(source));
  const problems: Problems = copied ? [] : [`${at}: CMD runs ${script}, which no COPY in this stage brings in`];
  const dist = /^([\w-]+)\/dist\/(.+)\.js$/.exec(script);
  const source = dist ? `${dist[1]}/src/${dist[2]}.ts` : script;
  if (!exists(source)) problems.push(`${at}: CMD runs ${script}, but ${source} does not exist`);
  return problems;
}

/** Compose's build targets are runtime stages: pinned base, non-root, production, health, real paths. */
function checkDockerfile(text: string, ignoreText: string, targets: ReadonlyArray<{ name: string; oneShot: boolean }>): Problems {
  const problems: Problems = [];
  const { args, stages } = parseDockerfile(text);
  const ignore = ignoreText.split('\n');
  const stageNames = new Set<string>();
  for (const stage of stages) {
    const image = stage.from.replace(/\$\{?(\w+)\}?/g, (_m, name: string) => args[name] ?? '');
    if (!stageNames.has(stage.from)) {
      const problem = imageProblem(image);
      if (problem) problems.push(`Dockerfile stage ${stage.name}: ${problem}`);
    }
    for (const instruction of stage.instructions) {
      if (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') problems.push(...checkCopy(stage, instruction, stageNames, ignore));
      if (instruction.keyword === 'CMD') problems.push(...checkCmd(stage, instruction));
    }
    stageNames.add(stage.name);
  }
  for (const target of targets) {
    const stage = stages.find((s) => s.name === target.name);
    if (!stage) {
      problems.push(`Dockerfile: no stage ${target.name} (a compose build target)`);
      continue;
    }
    problems.push(...checkRuntimeStage(stage, stages, target.oneShot));
  }
  return problems;
}

function checkRuntimeStage(stage: Stage, stages: Stage[], oneShot: boolean): Problems {
  const problems: Problems = [];
  const all = (keyword: string): Instruction[] => stage.instructions.filter((i) => i.keyword === keyword);
  const user = all('USER').at(-1)?.args;
  if (user === undefined || /^(root|0)(:|$)/.test(user)) problems.push(`Dockerfile stage ${stage.name}: runs as root; add USER node`);
  if (!all('ENV').some((i) => /\bNODE_ENV=production\b/.test(i.args))) problems.push(`Dockerfile stage ${stage.name}: NODE_ENV=production is not set`);
  if (all('CMD').length === 0) problems.push(`Dockerfile stage ${stage.name}: no CMD`);
  const health = all('HEALTHCHECK').at(-1)?.args;
  if (!oneShot && (health === undefined || /^NONE\b/i.test(health))) problems.push(`Dockerfile stage ${stage.name}: no HEALTHCHECK`);
  for (const copy of all('COPY')) {
    const from = copyArguments(copy.args).from;
    const source = stages.find((s) => s.name === from);
    const installs = source?.instructions.filter((i) => i.keyword === 'RUN' && /\bnpm (ci|install)\b/.test(i.args)) ?? [];
    if (installs.some((i) => !/--omit=dev\b/.test(i.args) && !/--prefix\b/.test(i.args)) && /\/app\/?$/.test(copyArguments(copy.args).sources[0] ?? '')) {
      problems.push(`Dockerfile stage ${stage.name}: copies node_modules from ${String(from)}, which installs dev dependencies`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The real files

const dotEnvExample = parseDotEnv(read('.env.example'));

/** The secrets volume of these checks: filled once by the real generator, as the first `up` would. */
let secretsDir = '';
beforeAll(() => {
  secretsDir = mkdtempSync(path.join(os.tmpdir(), 'walletgraph-compose-secrets-'));
  const run = runSecretsScript(load(composeFiles.base).compose, secretsDir);
  if (run.status !== 0) throw new Error(`deploy/secrets.mjs failed (${run.status}): ${run.stderr}`);
});
afterAll(() => rmSync(secretsDir, { recursive: true, force: true }));

function checkAll(compose: Compose): Problems {
  const loaded: Loaded = {};
  const configProblems = checkServiceConfigs(compose, loaded, secretsDir);
  return [
    ...checkImages(compose),
    ...checkHealthAndDependencies(compose),
    ...checkBindMounts(compose),
    ...checkPublishing(compose),
    ...checkSecrets(compose),
    ...configProblems,
    ...checkPorts(compose, loaded),
    ...checkWiring(compose, loaded, secretsDir),
    ...checkKafka(compose),
  ];
}

function buildTargets(compose: Compose): Array<{ name: string; oneShot: boolean }> {
  const runOnce = new Set([...oneShotServices(compose), ...toolServices(compose)]);
  return Object.entries(compose.services).flatMap(([name, service]) => {
    const build = service.build;
    if (build === undefined) return [];
    return [{ name: typeof build === 'string' ? name : (build.target ?? name), oneShot: runOnce.has(name) }];
  });
}

describe('docker compose deployment', () => {
  const expectedServices = [
    'secrets',
    'token',
    'mysql',
    'kafka-1',
    'kafka-2',
    'kafka-3',
    'kafka-init',
    'kafka-ui',
    'zipkin',
    'migrate',
    'subgraph-wallet',
    'subgraph-balance',
    'gateway',
  ];

  it.each(Object.entries(composeFiles))('%s: compose files pass every check', (_label, files) => {
    const { compose, problems } = load(files);
    expect([...problems, ...checkAll(compose)]).toEqual([]);
  });

  it.each(nodeServices.map((s) => [s.name, s.configFile] as const))('%s: variable names are read from %s', (_name, configFile) => {
    const keys = configKeys(configFile);
    expect(keys.size).toBeGreaterThan(5);
    expect([...keys].some((key) => /DATABASE_URL|SUBGRAPH_URL/.test(key))).toBe(true);
  });

  it('runs the whole system, as the old docker-compose did', () => {
    const { compose } = load(composeFiles.base);
    expect(Object.keys(compose.services).sort()).toEqual([...expectedServices].sort());
    expect([...oneShotServices(compose)].sort()).toEqual(['kafka-init', 'migrate', 'secrets']);
    expect([...toolServices(compose)]).toEqual(['token']);
  });

  it('publishes every port on loopback; a variable opens the gateway (or the subgraphs) to other machines', () => {
    const hostIps = (env: Env): Record<string, string[]> => {
      const { compose } = load(composeFiles.scale, env);
      const entries = Object.entries(compose.services).map(([name, service]) => [name, portMappings(service).map((m) => String(m.hostIp))] as const);
      return Object.fromEntries(entries.filter(([, ips]) => ips.length > 0));
    };
    const loopback = hostIps({});
    expect(
      Object.values(loopback)
        .flat()
        .every((ip) => ip === LOOPBACK),
    ).toBe(true);
    for (const [variable, services] of Object.entries(publishVariables)) {
      const opened = hostIps({ [variable]: '0.0.0.0' });
      const changed = Object.keys(opened).filter((name) => opened[name]?.some((ip) => ip === '0.0.0.0'));
      expect(changed.sort()).toEqual(services.filter((name) => name in loopback).sort());
      // Opened entirely: no port of those services stays on loopback by accident.
      for (const name of changed) expect(opened[name]?.every((ip) => ip === '0.0.0.0')).toBe(true);
    }
  });

  it('passes a secret of your own (from .env or the shell) to the generator, and none by default', () => {
    const declared = declaredSecrets(load(composeFiles.base).compose);
    expect(declared.secrets.sort()).toEqual([
      'AUTH_JWT_SECRET',
      'INTERNAL_AUTH_SECRET',
      'KAFKA_ADMIN_PASSWORD',
      'KAFKA_BALANCE_PASSWORD',
      'KAFKA_BROKER_PASSWORD',
      'KAFKA_OBSERVER_PASSWORD',
      'KAFKA_WALLET_PASSWORD',
      'MYSQL_ROOT_PASSWORD',
    ]);
    const own = Object.fromEntries(declared.secrets.map((name) => [name, `own-${name.toLowerCase()}-${'x'.repeat(32)}`]));
    const generatorEnv = environmentOf(load(composeFiles.base, own).compose.services[SECRETS_SERVICE]);
    for (const name of declared.secrets) expect(generatorEnv[`SECRET_${name}`]).toBe(own[name]);
    // .env.example lists them, empty: copying it changes nothing (checked above) and sets no secret.
    for (const name of declared.secrets) expect(dotEnvExample[name]).toBe('');
  });

  it('the scale override names the same project', () => {
    const name = (text: string): unknown =>
      (parseDocument(text, { customTags: [{ tag: '!reset', collection: 'seq', resolve: () => [] }] }).toJS() as { name?: unknown }).name;
    expect(name(read('docker-compose.scale.yml'))).toBe(name(read('docker-compose.yml')));
  });

  it('means the same with or without a .env copied from .env.example', () => {
    const bare = load(composeFiles.scale);
    const withDotEnv = load(composeFiles.scale, dotEnvExample);
    expect(withDotEnv.compose).toEqual(bare.compose);
    const referenced = new Set(
      [
        ...composeFiles.scale
          .map((f) => f.text)
          .join('\n')
          .matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g),
      ].map((m) => m[1]),
    );
    expect([...referenced].filter((name) => name !== undefined && !(name in dotEnvExample))).toEqual([]);
  });

  it('scale: two balance instances in one consumer group behind the gateway', () => {
    const { compose } = load(composeFiles.scale);
    const balance = compose.services['subgraph-balance'];
    expect(balance?.deploy?.replicas).toBe(2);
    expect(environmentOf(balance)['BALANCE_CONSUMER_GROUP']).toBeTruthy();
    expect(urlTarget(String(environmentOf(compose.services['gateway'])['BALANCE_SUBGRAPH_URL'])).host).toBe('balance-lb');
    expect(read('deploy/nginx/balance-lb.conf')).toMatch(/server subgraph-balance:4002 resolve/);
  });

  it('Dockerfile: real COPY/CMD paths, pinned bases, production-only non-root runtime stages', () => {
    const { compose } = load(composeFiles.scale);
    expect(checkDockerfile(read('Dockerfile'), read('.dockerignore'), buildTargets(compose))).toEqual([]);
  });
});

describe('the checks catch a broken deployment', () => {
  type Mutation = (compose: Compose) => void;
  const service = (compose: Compose, name: string): ComposeService => {
    const found = compose.services[name];
    if (!found) throw new Error(`no service ${name}`);
    return found;
  };
  const env = (compose: Compose, name: string): Record<string, unknown> => service(compose, name).environment as Record<string, unknown>;
  const cases: Array<[string, Mutation, RegExp]> = [
    [
      'an image on latest',
      (c) => {
        service(c, 'mysql').image = 'mysql:latest';
      },
      /mysql: image mysql:latest is not pinned/,
    ],
    [
      'an untagged image',
      (c) => {
        service(c, 'kafka-1').image = 'apache/kafka';
      },
      /kafka-1: image apache\/kafka has no tag/,
    ],
    [
      'a missing healthcheck',
      (c) => {
        delete service(c, 'gateway').healthcheck;
      },
      /gateway: a long-running service needs a healthcheck/,
    ],
    [
      'depends_on as a list',
      (c) => {
        service(c, 'gateway').depends_on = ['subgraph-wallet'];
      },
      /gateway: depends_on must be a mapping/,
    ],
    [
      'depends_on waiting for start only',
      (c) => {
        service(c, 'gateway').depends_on = { 'subgraph-wallet': { condition: 'service_started' } };
      },
      /needs condition service_healthy/,
    ],
    [
      'a missing database URL',
      (c) => {
        delete env(c, 'subgraph-wallet')['WALLET_DATABASE_URL_FILE'];
      },
      /subgraph-wallet: databaseUrl=mysql:\/\/root@127\.0\.0\.1.* points at the container itself/,
    ],
    [
      'a missing broker list',
      (c) => {
        delete env(c, 'subgraph-balance')['KAFKA_BROKERS'];
      },
      /subgraph-balance: kafkaBrokers\[0\]=127\.0\.0\.1:9092/,
    ],
    [
      'a misspelt variable',
      (c) => {
        env(c, 'subgraph-balance')['KAFKA_BROKER'] = 'kafka:29092';
      },
      /KAFKA_BROKER is set but not read/,
    ],
    [
      'a misspelt gateway variable',
      (c) => {
        env(c, 'gateway')['GATEWAY_PROT'] = '4000';
      },
      /gateway: GATEWAY_PROT is set but not read by gateway\/src\/config\.ts/,
    ],
    [
      'an invalid value',
      (c) => {
        env(c, 'gateway')['WALLET_SUBGRAPH_URL'] = 'subgraph-wallet:4001';
      },
      /gateway: .* rejects the compose environment: .*WALLET_SUBGRAPH_URL/,
    ],
    [
      'a loopback bind',
      (c) => {
        env(c, 'subgraph-wallet')['WALLET_HOST'] = '127.0.0.1';
      },
      /subgraph-wallet: listens on 127\.0\.0\.1/,
    ],
    [
      'a wrong published port',
      (c) => {
        service(c, 'gateway').ports = ['4100:4000'];
      },
      /gateway: host port 4000 \(the config default\) is not published/,
    ],
    [
      'a port the process does not listen on',
      (c) => {
        env(c, 'subgraph-wallet')['WALLET_REST_PORT'] = 8081;
      },
      /host port 8080 maps to container port 8080, but the process listens on 8081/,
    ],
    [
      'a subgraph URL on the wrong port',
      (c) => {
        env(c, 'gateway')['BALANCE_SUBGRAPH_WS_URL'] = 'ws://subgraph-balance:4999/graphql';
      },
      /balance \(ws\) subgraph URL .* reaches no service/,
    ],
    [
      'a healthcheck on the wrong port',
      (c) => {
        service(c, 'subgraph-balance').healthcheck = { test: ['CMD', 'node', 'deploy/healthcheck.mjs', 'http://127.0.0.1:3003/health/ready'] };
      },
      /subgraph-balance: healthcheck does not probe/,
    ],
    [
      'a topic nobody creates',
      (c) => {
        env(c, 'subgraph-balance')['KAFKA_TOPIC_BALANCES_LIVE'] = 'live';
      },
      /subgraph-balance: uses live, but kafka-init provisions balances\.live/,
    ],
    [
      'a consumer group without ACLs',
      (c) => {
        env(c, 'subgraph-balance')['BALANCE_CONSUMER_GROUP'] = 'balance';
      },
      /subgraph-balance: uses balance, but kafka-init provisions walletgraph-balance/,
    ],
    [
      'two Kafka nodes',
      (c) => {
        delete c.services['kafka-3'];
      },
      /Kafka: 2 broker\(s\)[\s\S]*QUORUM_VOTERS/,
    ],
    [
      'a service naming one broker',
      (c) => {
        env(c, 'subgraph-wallet')['KAFKA_BROKERS'] = 'kafka-1:29092';
      },
      /subgraph-wallet: KAFKA_BROKERS kafka-1:29092 is not every broker/,
    ],
    [
      'a service without its Kafka password',
      (c) => {
        delete env(c, 'subgraph-wallet')['KAFKA_WALLET_PASSWORD_FILE'];
      },
      /subgraph-wallet: .*KAFKA_WALLET_PASSWORD: is required when NODE_ENV=production/,
    ],
    [
      "a service with another principal's password",
      (c) => {
        delete env(c, 'subgraph-wallet')['KAFKA_WALLET_PASSWORD_FILE'];
        env(c, 'subgraph-wallet')['KAFKA_BALANCE_PASSWORD_FILE'] = '/run/secrets/walletgraph/KAFKA_BALANCE_PASSWORD';
      },
      /subgraph-wallet: KAFKA_BALANCE_PASSWORD_FILE reads KAFKA_BALANCE_PASSWORD, not its own principal's/,
    ],
    [
      'a node that does not create a user',
      (c) => {
        delete env(c, 'kafka-2')['KAFKA_OBSERVER_PASSWORD_FILE'];
      },
      /kafka-2: does not create the observer user/,
    ],
    [
      'a Kafka password in the compose file',
      (c) => {
        delete env(c, 'subgraph-balance')['KAFKA_BALANCE_PASSWORD_FILE'];
        env(c, 'subgraph-balance')['KAFKA_BALANCE_PASSWORD'] = 'b'.repeat(40);
      },
      /subgraph-balance: KAFKA_BALANCE_PASSWORD is set in the compose file/,
    ],
    [
      'an unauthenticated healthcheck',
      (c) => {
        service(c, 'kafka-3').healthcheck = { test: ['CMD-SHELL', '/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server kafka-3:29092'] };
      },
      /kafka-3: the healthcheck must authenticate/,
    ],
    [
      'a missing bind-mount source',
      (c) => {
        service(c, 'kafka-init').volumes = ['./deploy/kafka/nope.sh:/x.sh:ro'];
      },
      /kafka-init: bind mount .*nope\.sh does not exist/,
    ],
    [
      'a built image with a registry name',
      (c) => {
        service(c, 'gateway').image = 'walletgraph/gateway:local';
      },
      /gateway: built from the Dockerfile, so it must not also name an image/,
    ],
    [
      'a port on every interface',
      (c) => {
        service(c, 'gateway').ports = ['4000:4000'];
      },
      /gateway: port 4000 is published on every interface/,
    ],
    [
      'a port on all interfaces by default',
      (c) => {
        service(c, 'subgraph-wallet').ports = [{ target: 4001, published: '4001', host_ip: '0.0.0.0' }, '127.0.0.1:8080:8080'];
      },
      /subgraph-wallet: port 4001 is published on 0\.0\.0\.0 by default/,
    ],
    [
      'a token secret written in the compose file',
      (c) => {
        delete env(c, 'gateway')['AUTH_JWT_SECRET_FILE'];
        env(c, 'gateway')['AUTH_JWT_SECRET'] = 'k'.repeat(40);
      },
      /gateway: AUTH_JWT_SECRET is set in the compose file; read it from the secrets volume/,
    ],
    [
      'the old compose default secret',
      (c) => {
        delete env(c, 'subgraph-wallet')['INTERNAL_AUTH_SECRET_FILE'];
        env(c, 'subgraph-wallet')['INTERNAL_AUTH_SECRET'] = 'local-compose-internal-secret-change-me';
      },
      /subgraph-wallet: .* INTERNAL_AUTH_SECRET: holds a secret published in the walletgraph repository/,
    ],
    [
      'a default value for a generated secret',
      (c) => {
        env(c, 'secrets')['SECRET_AUTH_JWT_SECRET'] = 'd'.repeat(64);
      },
      /secrets: SECRET_AUTH_JWT_SECRET has a value in the repository/,
    ],
    [
      'a password inside a derived URL',
      (c) => {
        env(c, 'secrets')['DERIVED_WALLET_DATABASE_URL'] = 'mysql://root:walletgraph-local@mysql:3306/wallet';
      },
      /secrets: DERIVED_WALLET_DATABASE_URL holds a password of its own/,
    ],
    [
      'a database URL with its password',
      (c) => {
        delete env(c, 'subgraph-wallet')['WALLET_DATABASE_URL_FILE'];
        env(c, 'subgraph-wallet')['WALLET_DATABASE_URL'] = 'mysql://root:pw@mysql:3306/wallet';
      },
      /subgraph-wallet: WALLET_DATABASE_URL carries a password in the compose file/,
    ],
    [
      'a secret file nobody makes',
      (c) => {
        env(c, 'gateway')['INTERNAL_AUTH_SECRET_FILE'] = '/run/secrets/walletgraph/INTERNAL_SECRET';
      },
      /gateway: INTERNAL_AUTH_SECRET_FILE reads INTERNAL_SECRET, which secrets does not make/,
    ],
    [
      'a misspelt _FILE variable',
      (c) => {
        env(c, 'gateway')['AUTH_JWT_SECRT_FILE'] = '/run/secrets/walletgraph/AUTH_JWT_SECRET';
      },
      /gateway: AUTH_JWT_SECRT_FILE is set but not read/,
    ],
    [
      'a secret nobody reads',
      (c) => {
        env(c, 'secrets')['SECRET_UNUSED_PASSWORD'] = '';
      },
      /secrets: UNUSED_PASSWORD is made but no service reads it/,
    ],
    [
      'secrets mounted writable by a service',
      (c) => {
        service(c, 'gateway').volumes = ['secrets:/run/secrets/walletgraph'];
      },
      /gateway: mounts the secrets writable/,
    ],
    [
      'a reader that does not wait for the secrets',
      (c) => {
        delete (service(c, 'gateway').depends_on as Record<string, unknown>)['secrets'];
      },
      /gateway: reads the secrets, so it must wait for secrets/,
    ],
    [
      'a generator on the network',
      (c) => {
        delete service(c, 'secrets').network_mode;
      },
      /secrets: needs no network/,
    ],
    [
      'a MySQL password in the compose file',
      (c) => {
        env(c, 'mysql')['MYSQL_ROOT_PASSWORD'] = 'walletgraph-local';
      },
      /mysql: MYSQL_ROOT_PASSWORD is set in the compose file/,
    ],
    [
      'a MySQL without a password',
      (c) => {
        delete env(c, 'mysql')['MYSQL_ROOT_PASSWORD_FILE'];
        env(c, 'mysql')['MYSQL_ALLOW_EMPTY_PASSWORD'] = 'yes';
      },
      /mysql: MYSQL_ALLOW_EMPTY_PASSWORD is set[\s\S]*MYSQL_ROOT_PASSWORD_FILE must name a file/,
    ],
    [
      'a MySQL healthcheck on the old variable',
      (c) => {
        service(c, 'mysql').healthcheck = { test: ['CMD-SHELL', 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysqladmin ping'] };
      },
      /mysql: the healthcheck must log in with the password from MYSQL_ROOT_PASSWORD_FILE/,
    ],
    [
      'migrate on another database URL file',
      (c) => {
        env(c, 'migrate')['WALLET_DATABASE_URL_FILE'] = '/run/secrets/walletgraph/BALANCE_DATABASE_URL';
      },
      /migrate: WALLET_DATABASE_URL differs/,
    ],
  ];

  it.each(cases)('%s', (_label, mutate, expected) => {
    const { compose } = load(composeFiles.base);
    mutate(compose);
    expect(checkAll(compose).join('\n')).toMatch(expected);
  });

  it('flags a compose variable without a default', () => {
    const { problems } = load([{ file: 'x.yml', text: 'services:\n  a:\n    image: "x:${TAG}"\n' }]);
    expect(problems.join('\n')).toMatch(/\$\{TAG\} has no default/);
  });

  const dockerfile = read('Dockerfile');
  const dockerignore = read('.dockerignore');
  const targets = [
    { name: 'subgraph-wallet', oneShot: false },
    { name: 'migrate', oneShot: true },
  ];
  const dockerCases: Array<[string, (text: string) => string, RegExp]> = [
    [
      'a COPY of a missing file',
      (t) => t.replace('COPY deploy/migrate.sh deploy/migrate.sh', 'COPY deploy/nope.sh deploy/nope.sh'),
      /COPY source deploy\/nope\.sh does not exist/,
    ],
    [
      'a COPY of an ignored path',
      (t) => t.replace('COPY prisma prisma', 'COPY node_modules node_modules'),
      /node_modules (does not exist|is excluded by \.dockerignore)/,
    ],
    [
      'a CMD for a package without main.ts',
      (t) => t.replace('CMD ["node", "subgraph-wallet/dist/main.js"]', 'CMD ["node", "subgraph-wallet/dist/server.js"]'),
      /subgraph-wallet\/src\/server\.ts does not exist/,
    ],
    [
      'a CMD whose file is not copied',
      (t) => t.replace('COPY --from=build /app/subgraph-wallet/dist subgraph-wallet/dist', ''),
      /no COPY in this stage brings in/,
    ],
    [
      'a copied build output without sources',
      (t) => t.replace('/app/subgraph-wallet/dist subgraph-wallet/dist', '/app/wallet/dist wallet/dist'),
      /built from wallet\/src, which does not exist/,
    ],
    ['a floating base image', (t) => t.replace(/^ARG NODE_IMAGE=.*$/m, 'ARG NODE_IMAGE=node:latest'), /stage base: image node:latest is not pinned/],
    ['a root runtime', (t) => t.replace(/(FROM base AS subgraph-wallet[\s\S]*?)USER node\n/, '$1'), /stage subgraph-wallet: runs as root/],
    [
      'a runtime without a HEALTHCHECK',
      (t) => t.replace(/(FROM base AS subgraph-wallet[\s\S]*?)HEALTHCHECK[^\n]*\\\n[^\n]*\n/, '$1'),
      /stage subgraph-wallet: no HEALTHCHECK/,
    ],
    [
      'dev dependencies in a runtime',
      (t) => t.replace('npm ci --omit=dev --workspace @walletgraph/subgraph-wallet', 'npm ci --workspace @walletgraph/subgraph-wallet'),
      /copies node_modules from deps-subgraph-wallet, which installs dev dependencies/,
    ],
  ];

  it.each(dockerCases)('Dockerfile: %s', (_label, mutate, expected) => {
    const broken = mutate(dockerfile);
    expect(broken).not.toBe(dockerfile);
    expect(checkDockerfile(broken, dockerignore, targets).join('\n')).toMatch(expected);
  });

  it.each([
    ['node_modules/x', true],
    ['gateway/dist/main.js', true],
    ['platform/test/a.test.ts', true],
    ['.env', true],
    ['.env.example', true],
    ['deploy/healthcheck.mjs', false],
    ['prisma/wallet/schema.prisma', false],
    ['.npmrc', false],
  ])('.dockerignore: %s ignored = %s', (file, ignored) => {
    expect(dockerIgnored(dockerignore.split('\n'), file)).toBe(ignored);
  });
});

// dclint: the compose-spec schema and its best-practice rules, with the project's .dclintrc.yaml.
// Here rather than only in .ci/run so that `npm test` on any machine catches a finding first.
describe('dclint', () => {
  const dclint = path.join(root, 'node_modules/dclint/bin/dclint.cjs');
  interface LintResult {
    filePath: string;
    messages: Array<{ rule: string; line: number; message: string }>;
  }
  const lint = (files: readonly string[]): string[] => {
    const run = spawnSync(process.execPath, [dclint, '--config', '.dclintrc.yaml', '--formatter', 'json', '--no-color', ...files], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (run.error) throw run.error;
    const results = JSON.parse(run.stdout) as LintResult[];
    expect(results.map((result) => path.basename(result.filePath))).toEqual(files.map((file) => path.basename(file)));
    return results.flatMap((result) => result.messages.map((m) => `${path.basename(result.filePath)}:${m.line} ${m.rule}: ${m.message}`));
  };
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'walletgraph-dclint-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds nothing in docker-compose.yml and docker-compose.scale.yml', () => {
    expect(lint(['docker-compose.yml', 'docker-compose.scale.yml'])).toEqual([]);
  });

  it.each([
    [
      'a port on every interface',
      (t: string) => t.replace('"127.0.0.1:9092:9092"', '"9092:9092"'),
      /no-unbound-port-interfaces: Service "kafka-1" is exporting port "9092:9092"/,
    ],
    [
      'a built service naming an image',
      (t: string) => t.replace('      target: gateway\n', '      target: gateway\n    image: walletgraph/gateway:local\n'),
      /no-build-and-image: Service "gateway"/,
    ],
    ['a key compose does not know', (t: string) => t.replace('    init: true\n', '    inti: true\n'), /invalid-schema: .*must NOT have additional properties/],
  ])('reports %s in a copy of docker-compose.yml', (_label, mutate, expected) => {
    const text = read('docker-compose.yml');
    const broken = mutate(text);
    expect(broken).not.toBe(text);
    const file = path.join(dir, 'docker-compose.yml');
    writeFileSync(file, broken);
    expect(lint([file]).join('\n')).toMatch(expected);
  });

  it('turns a rule off only with its reason written beside it', () => {
    const config = parseDocument(read('.dclintrc.yaml'));
    const rules = config.get('rules', true) as { items: Array<{ key: { value: string; commentBefore?: string | null }; value: unknown }> };
    const off = rules.items.filter((item) => JSON.stringify((item.value as { toJSON(): unknown }).toJSON()).match(/^(0|\[0,)/));
    expect(off.length).toBeGreaterThan(0);
    for (const item of off)
      expect({ rule: item.key.value, reason: (item.key.commentBefore ?? '').trim().length > 20 }).toEqual({ rule: item.key.value, reason: true });
  });
});
