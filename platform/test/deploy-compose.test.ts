// Static checks of the Docker deployment (docker-compose*.yml, Dockerfile, .dockerignore): no Docker
// engine is needed. Each check is a pure function returning problems; the real files must have
// none, and a table of deliberately broken copies proves every check can fail.
import { authEnvFields } from '../src/auth/config';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { parseMysqlUrl } from '../src/db/mysql-url.js';
import { loadWalletConfig, walletStoreEnvFields, type WalletConfig } from '../../subgraph-wallet/src/config.js';
import { loadBalanceConfig, type BalanceConfig } from '../../subgraph-balance/src/config.js';
import { loadGatewayConfig, type GatewayConfig } from '../../gateway/src/config.js';

const root = path.resolve(__dirname, '../..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
const exists = (file: string): boolean => existsSync(path.join(root, file));

type Env = Record<string, string>;
type Problems = string[];
interface ComposeService {
  image?: string;
  build?: { context?: string; target?: string; dockerfile?: string } | string;
  environment?: Record<string, unknown> | string[];
  ports?: Array<string | number | { target?: number; published?: number | string }>;
  volumes?: Array<string | { type?: string; source?: string }>;
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  restart?: string;
  deploy?: { replicas?: number };
}
interface Compose { services: Record<string, ComposeService> }

// ---------------------------------------------------------------------------------------------
// Compose: interpolation, parsing, merging of override files

/** Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}` and `$$`. */
function interpolate(text: string, env: Env, problems: Problems): string {
  return text.replace(/\$(\$|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_match, body: string, braced?: string, bare?: string) => {
    if (body === '$') return '$';
    const expression = braced ?? bare ?? '';
    const parts = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])(.*))?$/s.exec(expression);
    if (!parts) {
      problems.push(`bad interpolation \${${expression}}`);
      return '';
    }
    const [, name = '', operator, argument = ''] = parts;
    const value = env[name];
    const unsetOrEmpty = value === undefined || (operator?.startsWith(':') === true && value === '');
    if (!unsetOrEmpty) return value;
    if (operator === ':-' || operator === '-') return argument;
    problems.push(`\${${name}} has no default: compose fails or substitutes '' without a .env`);
    return '';
  });
}

class Replace {
  constructor(readonly value: unknown) {}
}
const replaceTags = ['!reset', '!override'].flatMap((tag) => [
  { tag, collection: 'seq' as const, resolve: (node: { toJSON(): unknown }) => new Replace(node.toJSON()) },
  { tag, collection: 'map' as const, resolve: (node: { toJSON(): unknown }) => new Replace(node.toJSON()) },
]);

function parseYaml(text: string, file: string, problems: Problems): unknown {
  const document = parseDocument(text, { customTags: replaceTags });
  for (const issue of [...document.errors, ...document.warnings]) problems.push(`${file}: ${issue.message.split('\n')[0]}`);
  return document.toJS();
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Replace);

/** Compose's merge: mappings merge key by key, sequences append, `!reset`/`!override` replace. */
function mergeCompose(base: unknown, override: unknown): unknown {
  if (override instanceof Replace) return override.value;
  if (isPlainObject(base) && isPlainObject(override)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) merged[key] = key in base ? mergeCompose(base[key], value) : stripReplace(value);
    return merged;
  }
  if (Array.isArray(base) && Array.isArray(override)) {
    const seen = new Set(base.map((item) => JSON.stringify(item)));
    return [...base, ...override.filter((item) => !seen.has(JSON.stringify(item)))];
  }
  return stripReplace(override);
}

function stripReplace(value: unknown): unknown {
  if (value instanceof Replace) return value.value;
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripReplace(v)]));
  return value;
}

/** The compose model `docker compose -f a -f b config` would see, given the variables in `env`. */
function loadCompose(texts: ReadonlyArray<{ file: string; text: string }>, env: Env, problems: Problems): Compose {
  let merged: unknown = {};
  for (const { file, text } of texts) merged = mergeCompose(merged, parseYaml(interpolate(text, env, problems), file, problems));
  const compose = merged as Partial<Compose>;
  if (!isPlainObject(compose.services)) {
    problems.push('compose: no services');
    return { services: {} };
  }
  return compose as Compose;
}

/** KEY=VALUE lines; comments and blank lines skipped. */
function parseDotEnv(text: string): Env {
  const env: Env = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match?.[1] !== undefined) env[match[1]] = (match[2] ?? '').trim();
  }
  return env;
}

function environmentOf(service: ComposeService | undefined): Env {
  const env: Env = {};
  const raw = service?.environment ?? {};
  const entries = Array.isArray(raw) ? raw.map((item) => item.split(/=(.*)/s, 2) as [string, string?]) : Object.entries(raw);
  for (const [name, value] of entries) if (value !== undefined && value !== null) env[name] = String(value);
  return env;
}

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
      const tag = service.image === undefined ? undefined : /:([^/:]+)$/.exec(service.image)?.[1];
      if (service.image !== undefined && (tag === undefined || floatingTags.has(tag))) problems.push(`${name}: built image ${service.image} needs an explicit, non-latest tag`);
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
  const hasHealthcheck = (service: ComposeService | undefined): boolean => {
    const test = service?.healthcheck?.test;
    const words = Array.isArray(test) ? test : typeof test === 'string' ? [test] : [];
    return service?.healthcheck?.disable !== true && words.length > 0 && words[0] !== 'NONE';
  };
  for (const [name, service] of Object.entries(compose.services)) {
    if (oneShots.has(name)) {
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
      else if (!allowedConditions.has(condition)) problems.push(`${name}: depends_on ${target} needs condition service_healthy or service_completed_successfully (got ${condition})`);
      else if (condition === 'service_healthy' && !hasHealthcheck(compose.services[target])) problems.push(`${name}: waits for ${target} to be healthy, but ${target} has no healthcheck`);
    }
  }
  return problems;
}

interface PortMapping { host: number | undefined; container: number; hostIp: string | undefined }

function portMappings(service: ComposeService | undefined): PortMapping[] {
  return (service?.ports ?? []).map((entry) => {
    if (typeof entry === 'object') return { host: entry.published === undefined ? undefined : Number(entry.published), container: Number(entry.target), hostIp: undefined };
    const parts = String(entry).replace(/\/(tcp|udp)$/, '').split(':');
    const container = Number(parts.pop());
    const host = parts.length > 0 ? Number(parts.pop()) : undefined;
    return { host, container, hostIp: parts.pop() };
  });
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

interface Loaded { wallet?: WalletConfig; balance?: BalanceConfig; gateway?: GatewayConfig }

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
  const spreads: Readonly<Record<string, object>> = { authEnvFields, walletStoreEnvFields };
  for (const [name, fields] of Object.entries(spreads)) {
    if (new RegExp(`\\.\\.\\.${name}\\b`).test(body)) for (const key of Object.keys(fields)) keys.add(key);
  }
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

function checkServiceConfigs(compose: Compose, loaded: Loaded): Problems {
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
      if (!keys.has(variable) && variable !== 'NODE_ENV') problems.push(`${name}: ${variable} is set but not read by ${configFile} (a typo is silently ignored)`);
    }
    let config: unknown;
    try {
      config = load({ ...env, NODE_ENV: 'production' });
    } catch (error: unknown) {
      problems.push(`${name}: ${configFile} rejects the compose environment: ${(error as Error).message.replace(/\n\s*/g, '; ')}`);
      continue;
    }
    for (const found of loopbackValues(config, '')) problems.push(`${name}: ${found} points at the container itself; set it in compose`);
    const host = (config as { host?: unknown }).host;
    if (host !== '0.0.0.0' && host !== '::') problems.push(`${name}: listens on ${String(host)}, unreachable from other containers (set the HOST variable to 0.0.0.0)`);
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
    else if (!viaLoadBalancer && mapping.container !== container) problems.push(`${service}: host port ${host} maps to container port ${mapping.container}, but the process listens on ${container}`);
  }
  if (balanceReplicas > 1 && portMappings(compose.services['subgraph-balance']).some((m) => m.host !== undefined)) {
    problems.push('subgraph-balance: with several replicas a fixed host port can be bound by one only; publish through the load balancer');
  }
  const kafka = compose.services['kafka'];
  if (!portMappings(kafka).some((m) => m.host === 9092 && m.container === 9092)) problems.push('kafka: host port 9092 is not published to the HOST listener');
  if (!String(environmentOf(kafka)['KAFKA_ADVERTISED_LISTENERS']).includes('//localhost:9092')) problems.push('kafka: localhost:9092 is not advertised, so host clients cannot follow metadata');
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
function checkWiring(compose: Compose, loaded: Loaded): Problems {
  const problems: Problems = [];
  const { wallet, balance, gateway } = loaded;
  if (!wallet || !balance || !gateway) return problems;
  const balanceReplicas = compose.services['subgraph-balance']?.deploy?.replicas ?? 1;
  const listeners: Record<string, number[]> = {
    'subgraph-wallet': [wallet.graphqlPort],
    'subgraph-balance': balanceReplicas > 1 ? [] : [balance.port],
    'balance-lb': balanceReplicas > 1 ? [balance.port] : [],
  };
  const subgraphUrls = { wallet: gateway.subgraphs.wallet.httpUrl, balance: gateway.subgraphs.balance.httpUrl, 'balance (ws)': gateway.subgraphs.balance.wsUrl };
  for (const [label, url] of Object.entries(subgraphUrls)) {
    const { host, port } = urlTarget(url);
    if (!(listeners[host] ?? []).includes(port)) problems.push(`gateway: ${label} subgraph URL ${url} reaches no service listening there`);
  }
  for (const [name, port] of [['subgraph-wallet', wallet.graphqlPort], ['subgraph-balance', balance.port], ['gateway', gateway.port]] as const) {
    if (healthcheckPort(compose.services[name]) !== port) problems.push(`${name}: healthcheck does not probe /health/ready on its port ${port}`);
  }
  const kafkaInternal = /INTERNAL:\/\/([^,]+)/.exec(String(environmentOf(compose.services['kafka'])['KAFKA_ADVERTISED_LISTENERS']))?.[1];
  for (const [name, brokers] of [['subgraph-wallet', wallet.kafkaBrokers], ['subgraph-balance', balance.kafkaBrokers]] as const) {
    if (brokers.join(',') !== kafkaInternal) problems.push(`${name}: KAFKA_BROKERS ${brokers.join(',')} is not the in-network listener ${String(kafkaInternal)}`);
  }
  problems.push(...checkDatabases(compose, wallet, balance), ...checkTopics(compose, wallet, balance));
  return problems;
}

function checkDatabases(compose: Compose, wallet: WalletConfig, balance: BalanceConfig): Problems {
  const problems: Problems = [];
  const migrate = environmentOf(compose.services['migrate']);
  const pairs = [['WALLET_DATABASE_URL', wallet.databaseUrl, 'wallet'], ['BALANCE_DATABASE_URL', balance.databaseUrl, 'ms_balance']] as const;
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

function checkTopics(compose: Compose, wallet: WalletConfig, balance: BalanceConfig): Problems {
  const problems: Problems = [];
  const init = environmentOf(compose.services['kafka-init']);
  const provisioned = new Set((init['TOPICS'] ?? '').split(/\s+/).filter(Boolean).map((spec) => spec.split('=')[0]));
  const used = [wallet.topics.transactions, wallet.topics.balances, balance.topics.balances, balance.topics.deadLetter, balance.topics.live];
  for (const topic of used) if (!provisioned.has(topic)) problems.push(`kafka-init: topic ${topic} is used but not created (auto-create is off)`);
  const partitions = Number(init['TOPIC_PARTITIONS']);
  if (partitions !== wallet.topics.partitionCount || partitions !== balance.topicPartitionCount) problems.push(`kafka-init: ${partitions} partitions, the services expect ${wallet.topics.partitionCount}/${balance.topicPartitionCount}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Dockerfile and .dockerignore

interface Instruction { keyword: string; args: string; line: number }
interface Stage { name: string; from: string; instructions: Instruction[] }

function parseDockerfile(text: string): { args: Env; stages: Stage[] } {
  const args: Env = {};
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const start = index + 1;
    let line = lines[index] ?? '';
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && index + 1 < lines.length) {
      index += 1;
      const next = lines[index] ?? '';
      line = line.replace(/\\\s*$/, ' ') + (/^\s*#/.test(next) ? '' : next.trim());
    }
    const match = /^\s*([A-Za-z]+)\s+(.*)$/s.exec(line);
    if (!match) continue;
    const instruction = { keyword: (match[1] ?? '').toUpperCase(), args: (match[2] ?? '').trim(), line: start };
    if (instruction.keyword === 'FROM') {
      const [from = '', , name] = instruction.args.split(/\s+/);
      stages.push({ name: name ?? String(stages.length), from, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name = '', value = ''] = instruction.args.split(/=(.*)/s);
      args[name] = value;
    } else stages.at(-1)?.instructions.push(instruction);
  }
  return { args, stages };
}

const globParts = new Map([['**/', '(?:.*/)?'], ['**', '.*'], ['*', '[^/]*'], ['?', '[^/]']]);

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

const composeFiles = {
  base: [{ file: 'docker-compose.yml', text: read('docker-compose.yml') }],
  scale: [
    { file: 'docker-compose.yml', text: read('docker-compose.yml') },
    { file: 'docker-compose.scale.yml', text: read('docker-compose.scale.yml') },
  ],
};
const dotEnvExample = parseDotEnv(read('.env.example'));

function checkAll(compose: Compose): Problems {
  const loaded: Loaded = {};
  const configProblems = checkServiceConfigs(compose, loaded);
  return [
    ...checkImages(compose),
    ...checkHealthAndDependencies(compose),
    ...checkBindMounts(compose),
    ...configProblems,
    ...checkPorts(compose, loaded),
    ...checkWiring(compose, loaded),
  ];
}

function buildTargets(compose: Compose): Array<{ name: string; oneShot: boolean }> {
  const oneShots = oneShotServices(compose);
  return Object.entries(compose.services).flatMap(([name, service]) => {
    const build = service.build;
    if (build === undefined) return [];
    return [{ name: typeof build === 'string' ? name : (build.target ?? name), oneShot: oneShots.has(name) }];
  });
}

function load(files: ReadonlyArray<{ file: string; text: string }>, env: Env = {}): { compose: Compose; problems: Problems } {
  const problems: Problems = [];
  return { compose: loadCompose(files, env, problems), problems };
}

describe('docker compose deployment', () => {
  const expectedServices = ['mysql', 'kafka', 'kafka-init', 'kafka-ui', 'migrate', 'subgraph-wallet', 'subgraph-balance', 'gateway'];

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
    expect([...oneShotServices(compose)].sort()).toEqual(['kafka-init', 'migrate']);
  });

  it('means the same with or without a .env copied from .env.example', () => {
    const bare = load(composeFiles.scale);
    const withDotEnv = load(composeFiles.scale, dotEnvExample);
    expect(withDotEnv.compose).toEqual(bare.compose);
    const referenced = new Set([...composeFiles.scale.map((f) => f.text).join('\n').matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
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
    ['an image on latest', (c) => { service(c, 'mysql').image = 'mysql:latest'; }, /mysql: image mysql:latest is not pinned/],
    ['an untagged image', (c) => { service(c, 'kafka').image = 'apache/kafka'; }, /kafka: image apache\/kafka has no tag/],
    ['a missing healthcheck', (c) => { delete service(c, 'gateway').healthcheck; }, /gateway: a long-running service needs a healthcheck/],
    ['depends_on as a list', (c) => { service(c, 'gateway').depends_on = ['subgraph-wallet']; }, /gateway: depends_on must be a mapping/],
    ['depends_on waiting for start only', (c) => { service(c, 'gateway').depends_on = { 'subgraph-wallet': { condition: 'service_started' } }; }, /needs condition service_healthy/],
    ['a missing database URL', (c) => { delete env(c, 'subgraph-wallet')['WALLET_DATABASE_URL']; }, /subgraph-wallet: databaseUrl=mysql:\/\/root@127\.0\.0\.1.* points at the container itself/],
    ['a missing broker list', (c) => { delete env(c, 'subgraph-balance')['KAFKA_BROKERS']; }, /subgraph-balance: kafkaBrokers\[0\]=127\.0\.0\.1:9092/],
    ['a misspelt variable', (c) => { env(c, 'subgraph-balance')['KAFKA_BROKER'] = 'kafka:29092'; }, /KAFKA_BROKER is set but not read/],
    ['a misspelt gateway variable', (c) => { env(c, 'gateway')['GATEWAY_PROT'] = '4000'; }, /gateway: GATEWAY_PROT is set but not read by gateway\/src\/config\.ts/],
    ['an invalid value', (c) => { env(c, 'gateway')['WALLET_SUBGRAPH_URL'] = 'subgraph-wallet:4001'; }, /gateway: .* rejects the compose environment: .*WALLET_SUBGRAPH_URL/],
    ['a loopback bind', (c) => { env(c, 'subgraph-wallet')['WALLET_HOST'] = '127.0.0.1'; }, /subgraph-wallet: listens on 127\.0\.0\.1/],
    ['a wrong published port', (c) => { service(c, 'gateway').ports = ['4100:4000']; }, /gateway: host port 4000 \(the config default\) is not published/],
    ['a port the process does not listen on', (c) => { env(c, 'subgraph-wallet')['WALLET_REST_PORT'] = 8081; }, /host port 8080 maps to container port 8080, but the process listens on 8081/],
    ['a subgraph URL on the wrong port', (c) => { env(c, 'gateway')['BALANCE_SUBGRAPH_WS_URL'] = 'ws://subgraph-balance:4999/graphql'; }, /balance \(ws\) subgraph URL .* reaches no service/],
    ['a healthcheck on the wrong port', (c) => { service(c, 'subgraph-balance').healthcheck = { test: ['CMD', 'node', 'deploy/healthcheck.mjs', 'http://127.0.0.1:3003/health/ready'] }; }, /subgraph-balance: healthcheck does not probe/],
    ['migrate on another database', (c) => { env(c, 'migrate')['BALANCE_DATABASE_URL'] = 'mysql://root@mysql:3306/other'; }, /migrate: BALANCE_DATABASE_URL differs/],
    ['a topic nobody creates', (c) => { env(c, 'subgraph-balance')['KAFKA_TOPIC_BALANCES_LIVE'] = 'live'; }, /kafka-init: topic live is used but not created/],
    ['a missing bind-mount source', (c) => { service(c, 'kafka-init').volumes = ['./deploy/kafka/nope.sh:/x.sh:ro']; }, /kafka-init: bind mount .*nope\.sh does not exist/],
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
  const targets = [{ name: 'subgraph-wallet', oneShot: false }, { name: 'migrate', oneShot: true }];
  const dockerCases: Array<[string, (text: string) => string, RegExp]> = [
    ['a COPY of a missing file', (t) => t.replace('COPY deploy/migrate.sh deploy/migrate.sh', 'COPY deploy/nope.sh deploy/nope.sh'), /COPY source deploy\/nope\.sh does not exist/],
    ['a COPY of an ignored path', (t) => t.replace('COPY prisma prisma', 'COPY node_modules node_modules'), /node_modules (does not exist|is excluded by \.dockerignore)/],
    ['a CMD for a package without main.ts', (t) => t.replace('CMD ["node", "subgraph-wallet/dist/main.js"]', 'CMD ["node", "subgraph-wallet/dist/server.js"]'), /subgraph-wallet\/src\/server\.ts does not exist/],
    ['a CMD whose file is not copied', (t) => t.replace('COPY --from=build /app/subgraph-wallet/dist subgraph-wallet/dist', ''), /no COPY in this stage brings in/],
    ['a copied build output without sources', (t) => t.replace('/app/subgraph-wallet/dist subgraph-wallet/dist', '/app/wallet/dist wallet/dist'), /built from wallet\/src, which does not exist/],
    ['a floating base image', (t) => t.replace(/^ARG NODE_IMAGE=.*$/m, 'ARG NODE_IMAGE=node:latest'), /stage base: image node:latest is not pinned/],
    ['a root runtime', (t) => t.replace(/(FROM base AS subgraph-wallet[\s\S]*?)USER node\n/, '$1'), /stage subgraph-wallet: runs as root/],
    ['a runtime without a HEALTHCHECK', (t) => t.replace(/(FROM base AS subgraph-wallet[\s\S]*?)HEALTHCHECK[^\n]*\\\n[^\n]*\n/, '$1'), /stage subgraph-wallet: no HEALTHCHECK/],
    ['dev dependencies in a runtime', (t) => t.replace('npm ci --omit=dev --workspace @walletgraph/subgraph-wallet', 'npm ci --workspace @walletgraph/subgraph-wallet'), /copies node_modules from deps-subgraph-wallet, which installs dev dependencies/],
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
