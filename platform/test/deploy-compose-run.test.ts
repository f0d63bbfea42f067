// The stack as `docker compose up` starts it, without Docker: each process is the real one
// (`node <service>/dist/main.js`, deploy/migrate.sh, scripts/token.mjs), in production mode, with
// the environment compose gives its container, read from docker-compose.yml and the Dockerfile's
// ENV, and its secrets made by the real deploy/secrets.mjs. What only exists inside compose's
// network is mapped to this machine (see `hostView`); nothing else is changed.
//
// Proven here: no default secret from the repository is accepted by any service: tokens and
// identities signed with one are refused by the running stack, and a service given one as its
// own secret (through .env, the way a user would) refuses to start; the token command mints a
// token the gateway accepts.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createWalletClient, WalletError } from '@walletgraph/sdk';
import { createConnection } from 'mariadb';
import { createServiceProcess, ensureBuilt, SERVICE_SCRIPTS, type ServiceProcess } from '../../chaos/support/processes';
import { freePort, upsertScramUsers } from '../../chaos/support/scripts';
import { DEFAULT_AUTH_AUDIENCE, DEFAULT_AUTH_ISSUER, INTERNAL_IDENTITY_HEADER, mintInternalIdentity, mintUserToken } from '@walletgraph/platform/auth';
import { PUBLISHED_SECRETS, createLogger } from '@walletgraph/platform/core';
import {
  createKafka,
  kafkaAccessNames,
  kafkaCredentialsFromEnv,
  kafkaCredentialVariables,
  provisionWalletgraph,
  type KafkaPrincipal,
} from '@walletgraph/platform/kafka';
import { parseMysqlUrl } from '@walletgraph/platform/db';
import {
  SECRETS_MOUNT,
  composeFiles,
  declaredSecrets,
  environmentOf,
  imageEnv,
  load,
  parseDotEnv,
  read,
  root,
  runSecretsScript,
  withSecretsDir,
  type Compose,
  type Env,
} from './support/compose';

const LUCAS = { clientId: 'c26425d8-d0f3-4a91-bb96-a1f8fddc3653', accountId: '7dfe0fa9-d168-4329-a9ba-ca1b7052fac3' };
const SCRIPT_TIMEOUT_MS = 30_000;

/** `docker compose up` on a fresh checkout: no .env. */
const compose = load(composeFiles.base).compose;
const dockerfile = read('Dockerfile');

/** Every default secret the repository holds or ever held: the published list, .env.example, compose defaults. */
function repositorySecretDefaults(): string[] {
  const found = new Set(PUBLISHED_SECRETS);
  const dotEnv = parseDotEnv(read('.env.example'));
  const composeText = composeFiles.scale.map((file) => file.text).join('\n');
  for (const name of declaredSecrets(compose).secrets) {
    if (dotEnv[name]) found.add(dotEnv[name]);
    for (const match of composeText.matchAll(new RegExp(`\\$\\{${name}:?-([^}]+)\\}`, 'g'))) if (match[1]) found.add(match[1]);
  }
  return [...found];
}

interface HostMapping {
  readonly secretsDir: string;
  readonly brokers: string;
  readonly ports: Readonly<Record<'WALLET_PORT' | 'WALLET_REST_PORT' | 'BALANCE_PORT' | 'BALANCE_REST_PORT' | 'GATEWAY_PORT', number>>;
  /** Topics and consumer groups get it: the broker is shared with the rest of the suite. */
  readonly suffix: string;
}

function serviceAddresses(mapping: HostMapping): Record<string, string> {
  return {
    'kafka-1:29092,kafka-2:29092,kafka-3:29092': mapping.brokers,
    'mysql:3306': '127.0.0.1:3306',
    'subgraph-wallet:4001': `127.0.0.1:${mapping.ports.WALLET_PORT}`,
    'subgraph-balance:4002': `127.0.0.1:${mapping.ports.BALANCE_PORT}`,
  };
}

/**
 * What a service's process sees in its container (the image's ENV, then compose's environment),
 * as seen from this machine: the secrets volume is a directory here; compose's service names are
 * 127.0.0.1 and the suite's broker; ports are free ones; services listen on loopback; topics and
 * groups carry a suffix. Secrets are not touched: NAME_FILE still points at the generated files.
 */
function hostView(service: string, mapping: HostMapping): Env {
  const definition = compose.services[service];
  const build = definition?.build;
  const target = typeof build === 'object' ? build.target : undefined;
  if (target === undefined) throw new Error(`${service} is not built from the Dockerfile`);
  const env = withSecretsDir({ ...imageEnv(dockerfile, target), ...environmentOf(definition) }, mapping.secretsDir);
  const addresses = serviceAddresses(mapping);
  for (const [name, value] of Object.entries(env)) {
    let mapped = value;
    for (const [address, local] of Object.entries(addresses)) mapped = mapped.split(address).join(local);
    if (name in mapping.ports) mapped = String(mapping.ports[name as keyof HostMapping['ports']]);
    if (/_HOST$/.test(name) && mapped === '0.0.0.0') mapped = '127.0.0.1';
    // The suite's broker already has a `wallet` user (with the run's password): this file's users
    // carry the suffix, and the password compose generated (upsertScramUsers below).
    const principal = /^KAFKA_([A-Z]+)_PASSWORD_FILE$/.exec(name)?.[1];
    if (principal !== undefined) env[`KAFKA_${principal}_USERNAME`] = kafkaUser(principal.toLowerCase() as KafkaPrincipal, mapping);
    if (/^KAFKA_TOPIC_(?!PARTITIONS)/.test(name) || name === 'BALANCE_CONSUMER_GROUP' || name === 'BALANCE_LIVE_GROUP_PREFIX')
      mapped = `${mapped}.${mapping.suffix}`;
    env[name] = mapped;
  }
  return env;
}

/** This file's SCRAM user for a principal on the suite's broker. */
const kafkaUser = (principal: KafkaPrincipal, mapping: HostMapping): string => `${principal}-${mapping.suffix}`;

const testDatabases = {
  wallet: parseMysqlUrl(process.env['WALLET_DATABASE_URL'] ?? 'mysql://root@127.0.0.1:3306/wallet'),
  balance: parseMysqlUrl(process.env['BALANCE_DATABASE_URL'] ?? 'mysql://root@127.0.0.1:3306/ms_balance'),
};
/** Stands in for the container's MySQL root: an account of this server carrying the generated password. */
const databaseUser = `wgtest_compose_${process.pid}`;

/**
 * The `secrets` one-shot, run for real. Its DERIVED_ URLs name compose's `root@mysql:3306` and
 * databases; here they name the stand-in account and the suite's databases instead.
 */
function generateSecrets(model: Compose, mapping: HostMapping): Record<string, string> {
  const run = runSecretsScript(model, mapping.secretsDir, {
    rewrite: (env) =>
      Object.fromEntries(
        Object.entries(env).map(([name, value]) => [
          name,
          !name.startsWith('DERIVED_')
            ? value
            : value
                .replace('mysql://root:', `mysql://${databaseUser}:`)
                .split('mysql:3306')
                .join('127.0.0.1:3306')
                .replace(/\/wallet$/, `/${testDatabases.wallet.database}`)
                .replace(/\/ms_balance$/, `/${testDatabases.balance.database}`),
        ]),
      ),
  });
  if (run.status !== 0) throw new Error(`deploy/secrets.mjs exited ${run.status}: ${run.stderr}`);
  const files: Record<string, string> = {};
  for (const name of declaredSecrets(model).secrets) files[name] = readFileSync(path.join(mapping.secretsDir, name), 'utf8');
  return files;
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A one-shot process (a compose `run`, or a service that should refuse to start): its exit and output. */
function runToExit(args: readonly string[], env: Env, timeoutMs = SCRIPT_TIMEOUT_MS): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const [command = '', ...rest] = args;
    const child = spawn(command, rest, {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', APOLLO_TELEMETRY_DISABLED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} still running after ${timeoutMs} ms (it should have exited):\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The processes compose starts for our code, with the command each container runs. */
const services = {
  migrate: ['sh', 'deploy/migrate.sh'],
  'subgraph-wallet': [process.execPath, SERVICE_SCRIPTS.wallet],
  'subgraph-balance': [process.execPath, SERVICE_SCRIPTS.balance],
  gateway: [process.execPath, SERVICE_SCRIPTS.gateway],
  token: [process.execPath, 'scripts/token.mjs'],
} as const;

async function newMapping(suffix: string): Promise<HostMapping> {
  const secretsDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'walletgraph-compose-run-')), 'volume');
  return {
    secretsDir,
    brokers: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    ports: {
      WALLET_PORT: await freePort(),
      WALLET_REST_PORT: await freePort(),
      BALANCE_PORT: await freePort(),
      BALANCE_REST_PORT: await freePort(),
      GATEWAY_PORT: await freePort(),
    },
    suffix,
  };
}

async function admin<T>(work: (connection: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> {
  const server = testDatabases.wallet;
  const connection = await createConnection({ host: server.host, port: server.port, user: server.user, password: server.password });
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

/**
 * What the brokers and kafka-init do: the SCRAM users of the services' principals with the
 * passwords compose generated, then the topics (suffixed) and the production ACLs for them.
 */
async function provisionKafka(mapping: HostMapping, secrets: Record<string, string>): Promise<void> {
  const brokers = mapping.brokers.split(',');
  const principals: KafkaPrincipal[] = ['wallet', 'balance'];
  await upsertScramUsers(
    brokers,
    principals.map((principal) => ({ username: kafkaUser(principal, mapping), password: secrets[kafkaCredentialVariables(principal).password] ?? '' })),
  );
  const logger = createLogger({ name: 'compose-run', level: 'silent' });
  const admin = createKafka({ brokers, clientId: 'compose-run-test', sasl: kafkaCredentialsFromEnv('admin', process.env).sasl }, logger);
  const init = environmentOf(compose.services['kafka-init']);
  const names = kafkaAccessNames({
    topics: Object.fromEntries(Object.entries(kafkaAccessNames().topics).map(([key, topic]) => [key, `${topic}.${mapping.suffix}`])),
    balanceGroup: `${kafkaAccessNames().balanceGroup}.${mapping.suffix}`,
    balanceLiveGroupPrefix: `${kafkaAccessNames().balanceLiveGroupPrefix}.${mapping.suffix}`,
    principals: { wallet: kafkaUser('wallet', mapping), balance: kafkaUser('balance', mapping) },
  });
  await provisionWalletgraph(admin, names, Number(init['KAFKA_TOPIC_PARTITIONS']));
}

describe('the stack as docker compose starts it (production, generated secrets)', () => {
  const published = repositorySecretDefaults();
  let mapping: HostMapping;
  let generated: Record<string, string>;
  const running: ServiceProcess[] = [];
  let logDir = '';
  const url = (port: keyof HostMapping['ports'], route = '/graphql'): string => `http://127.0.0.1:${mapping.ports[port]}${route}`;

  beforeAll(async () => {
    ensureBuilt(Object.values(SERVICE_SCRIPTS));
    mapping = await newMapping(`compose${process.pid}`);
    logDir = path.dirname(mapping.secretsDir);
    generated = generateSecrets(compose, mapping);
    await admin(async (c) => {
      await c.query(`DROP USER IF EXISTS '${databaseUser}'@'%', '${databaseUser}'@'localhost'`);
      for (const host of ['%', 'localhost']) {
        await c.query(`CREATE USER '${databaseUser}'@'${host}' IDENTIFIED BY ?`, [generated['MYSQL_ROOT_PASSWORD']]);
        for (const { database } of Object.values(testDatabases)) await c.query(`GRANT ALL ON \`${database}\`.* TO '${databaseUser}'@'${host}'`);
      }
    });
    await provisionKafka(mapping, generated);
    // Compose's order: migrate exits 0, then the subgraphs are healthy, then the gateway.
    const migrate = await runToExit(services.migrate, hostView('migrate', mapping), 120_000);
    expect({ code: migrate.code, stderr: migrate.stderr }).toEqual({ code: 0, stderr: '' });
    const ready: Record<string, string> = {
      'subgraph-wallet': url('WALLET_PORT', '/health/ready'),
      'subgraph-balance': url('BALANCE_PORT', '/health/ready'),
      gateway: url('GATEWAY_PORT', '/health/ready'),
    };
    for (const name of ['subgraph-wallet', 'subgraph-balance', 'gateway'] as const) {
      const child = createServiceProcess({
        name,
        script: services[name][1],
        env: hostView(name, mapping),
        readyUrl: ready[name] ?? '',
        logFile: path.join(logDir, `${name}.log`),
      });
      running.push(child);
      await child.start();
    }
  }, 180_000);

  afterAll(async () => {
    for (const child of running.reverse()) await child.stop();
    await admin((c) => c.query(`DROP USER IF EXISTS '${databaseUser}'@'%', '${databaseUser}'@'localhost'`));
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  });

  it('reads every secret from the generated files, none from the compose file', () => {
    for (const name of ['subgraph-wallet', 'subgraph-balance', 'gateway', 'migrate', 'token']) {
      const env = environmentOf(compose.services[name]);
      const secretVariables = Object.keys(env).filter((variable) => /SECRET|PASSWORD|DATABASE_URL/.test(variable));
      expect(secretVariables.length).toBeGreaterThan(0);
      for (const variable of secretVariables)
        expect({ variable, value: env[variable] }).toEqual({ variable, value: expect.stringMatching(new RegExp(`^${SECRETS_MOUNT}/[A-Z_]+$`)) });
    }
    for (const value of Object.values(generated)) expect(published).not.toContain(value);
  });

  it('mints a token with the token command (docker compose run --rm token --admin) that the gateway accepts', async () => {
    const minted = await runToExit([...services.token, '--admin'], hostView('token', mapping));
    expect({ code: minted.code, stderr: minted.stderr }).toEqual({ code: 0, stderr: '' });
    const wallet = createWalletClient({
      url: url('GATEWAY_PORT'),
      token: minted.stdout.trim(),
      retry: { attemptCountMax: 1, delayMsInitial: 0, delayMsMax: 0 },
    });
    try {
      const account = await wallet.account(LUCAS.accountId);
      expect(account?.client?.name).toBe('Lucas');
      expect(account?.balance?.amount).toMatch(/^\d+\.\d+$/);
    } finally {
      await wallet.close();
    }
    // The old REST route takes the same token.
    const rest = await fetch(url('BALANCE_REST_PORT', `/balances/${LUCAS.accountId}`), { headers: { authorization: `Bearer ${minted.stdout.trim()}` } });
    expect(rest.status).toBe(200);
  });

  it('refuses a user token signed with any secret the repository publishes (gateway and old REST)', async () => {
    expect(published.length).toBeGreaterThanOrEqual(5);
    for (const secret of published) {
      const token = await mintUserToken(
        { role: 'admin', subject: 'attacker' },
        { secret, issuer: DEFAULT_AUTH_ISSUER, audience: DEFAULT_AUTH_AUDIENCE, expiresIn: '5m' },
      );
      const wallet = createWalletClient({ url: url('GATEWAY_PORT'), token, retry: { attemptCountMax: 1, delayMsInitial: 0, delayMsMax: 0 } });
      try {
        const refusal = await wallet.account(LUCAS.accountId).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect({ secret, code: refusal instanceof WalletError ? refusal.code : String(refusal) }).toEqual({ secret, code: 'UNAUTHENTICATED' });
      } finally {
        await wallet.close();
      }
      const rest = await fetch(url('BALANCE_REST_PORT', `/balances/${LUCAS.accountId}`), { headers: { authorization: `Bearer ${token}` } });
      expect({ secret, status: rest.status }).toEqual({ secret, status: 401 });
    }
  });

  it('refuses a gateway identity signed with any secret the repository publishes (subgraphs called directly)', async () => {
    const ask = async (port: 'WALLET_PORT' | 'BALANCE_PORT', secret: string): Promise<number> => {
      const identity = await mintInternalIdentity({ role: 'admin', subject: 'attacker' }, { secret });
      const response = await fetch(url(port), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [INTERNAL_IDENTITY_HEADER]: identity },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      await response.arrayBuffer();
      return response.status;
    };
    // The generated secret gets in: the refusals below are about the secret, not the request.
    expect(await ask('WALLET_PORT', generated['INTERNAL_AUTH_SECRET'] ?? '')).toBe(200);
    expect(await ask('BALANCE_PORT', generated['INTERNAL_AUTH_SECRET'] ?? '')).toBe(200);
    for (const secret of published) {
      expect({ secret, wallet: await ask('WALLET_PORT', secret), balance: await ask('BALANCE_PORT', secret) }).toEqual({ secret, wallet: 401, balance: 401 });
    }
  });
});

describe('a service given a published secret as its own (.env) refuses to start', () => {
  const published = repositorySecretDefaults();
  /** What each process must name when it refuses: every secret it reads. */
  const refusals: Record<keyof typeof services, RegExp[]> = {
    migrate: [/WALLET_DATABASE_URL: its password is published/],
    'subgraph-wallet': [/AUTH_JWT_SECRET: /, /INTERNAL_AUTH_SECRET: /, /WALLET_DATABASE_URL: holds a secret published/],
    'subgraph-balance': [/AUTH_JWT_SECRET: /, /INTERNAL_AUTH_SECRET: /, /BALANCE_DATABASE_URL: holds a secret published/],
    gateway: [/AUTH_JWT_SECRET: /, /INTERNAL_AUTH_SECRET: /],
    token: [/AUTH_JWT_SECRET must be a real secret/],
  };
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it.each(published)('%s', async (secret) => {
    const mapping = await newMapping(`refused${process.pid}`);
    dirs.push(path.dirname(mapping.secretsDir));
    // AUTH_JWT_SECRET=…, INTERNAL_AUTH_SECRET=…, MYSQL_ROOT_PASSWORD=… in .env: compose hands them to the generator.
    const own = Object.fromEntries(declaredSecrets(compose).secrets.map((name) => [name, secret]));
    generateSecrets(load(composeFiles.base, own).compose, mapping);
    const exits = await Promise.all(
      Object.entries(services).map(async ([name, command]) => {
        const args = name === 'token' ? [...command, '--admin'] : [...command];
        return [name, await runToExit(args, hostView(name, mapping))] as const;
      }),
    );
    for (const [name, exit] of exits) {
      expect({ name, code: exit.code }).toEqual({ name, code: 1 });
      for (const pattern of refusals[name as keyof typeof services])
        expect({ name, stderr: exit.stderr }).toEqual({ name, stderr: expect.stringMatching(pattern) });
      expect(exit.stderr + exit.stdout).not.toMatch(/listening|EADDRINUSE/);
    }
  });

  it('without the secrets volume filled (no generator run), every service refuses to start', async () => {
    const mapping = await newMapping(`missing${process.pid}`);
    dirs.push(path.dirname(mapping.secretsDir));
    for (const [name, command] of Object.entries(services)) {
      const exit = await runToExit(name === 'token' ? [...command, '--admin'] : [...command], hostView(name, mapping));
      expect({ name, code: exit.code }).toEqual({ name, code: 1 });
      expect({ name, stderr: exit.stderr }).toEqual({ name, stderr: expect.stringMatching(/_FILE: cannot read .*\(no such file\)/) });
    }
  });
});

// Keep the compose model honest: the mapping above may only rewrite what it claims to.
describe('hostView', () => {
  it('changes addresses, ports, hosts, topics and the secrets path only', async () => {
    const mapping = await newMapping('x');
    rmSync(path.dirname(mapping.secretsDir), { recursive: true, force: true });
    for (const name of ['subgraph-wallet', 'subgraph-balance', 'gateway', 'migrate', 'token']) {
      const original = environmentOf(compose.services[name]);
      const mapped = hostView(name, mapping);
      for (const [variable, value] of Object.entries(original)) {
        const changed = mapped[variable] !== value;
        const allowed =
          variable.endsWith('_FILE') || variable in mapping.ports || /_HOST$|_URL$|^KAFKA_BROKERS$|^KAFKA_TOPIC_|_GROUP|_GROUP_PREFIX$/.test(variable);
        if (changed) expect({ name, variable, allowed }).toEqual({ name, variable, allowed: true });
      }
      expect(mapped['NODE_ENV']).toBe('production');
    }
  });
});
