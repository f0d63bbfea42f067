import { randomUUID } from 'node:crypto';
import { createLogger, DEV_INTERNAL_AUTH_SECRET, type Logger } from '@walletgraph/platform/core';
import { connectMariaDb, parseMysqlUrl } from '@walletgraph/platform/db';
import { INTERNAL_IDENTITY_HEADER, mintInternalIdentity, type Identity } from '@walletgraph/platform/auth';
import { createKafka, DEFAULT_OBSERVER_GROUP_PREFIX, kafkaCredentialsFromEnv, type KafkaPrincipal } from '@walletgraph/platform/kafka';
import type { IHeaders, Kafka } from 'kafkajs';
import { createWalletService, type WalletService, type WalletServiceOptions } from '../src/app.js';
import { loadWalletConfig, type WalletConfig } from '../src/config.js';

export const silentLogger: Logger = createLogger({ name: 'wallet-test', level: 'silent' });

/** Fast settings for tests: ephemeral ports, quick relay hand-over, short backoffs. */
export function testConfig(env: Record<string, string> = {}): WalletConfig {
  return loadWalletConfig({
    ...process.env,
    WALLET_PORT: '0',
    WALLET_REST_PORT: '0',
    WALLET_HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    OUTBOX_RELAY_LOCK_RETRY_MS: '200',
    OUTBOX_RELAY_IDLE_POLL_MS_MAX: '200',
    OUTBOX_RELAY_BACKOFF_MS_MAX: '500',
    DATABASE_ACQUIRE_TIMEOUT_MS: '2000',
    ...env,
  });
}

export async function startService(env: Record<string, string> = {}, options: WalletServiceOptions = {}): Promise<WalletService> {
  const service = createWalletService(testConfig(env), silentLogger, options);
  await service.start();
  return service;
}

export interface GqlResult<T = Record<string, unknown>> {
  readonly status: number;
  readonly data: T | null | undefined;
  readonly errors: Array<{ message: string; extensions?: { code?: string; stacktrace?: unknown } }> | undefined;
}

export const ADMIN: Identity = { role: 'admin', subject: 'wallet-test-admin' };

/** What the gateway would send: the caller's identity signed with the (development) internal secret. */
export async function identityHeaders(identity: Identity = ADMIN): Promise<Record<string, string>> {
  return { [INTERNAL_IDENTITY_HEADER]: await mintInternalIdentity(identity, { secret: DEV_INTERNAL_AUTH_SECRET }) };
}

/** Calls the subgraph as the gateway would, as an admin unless `headers` carries another identity (or `''` for none). */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GqlResult<T>> {
  const identity = INTERNAL_IDENTITY_HEADER in headers ? {} : await identityHeaders();
  const sent = Object.fromEntries(Object.entries({ ...identity, ...headers }).filter(([, value]) => value !== ''));
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...sent },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GqlResult['errors']; code?: string; message?: string };
  // A refusal before GraphQL (401) is a plain JSON { code, message }: shown as one error.
  const errors = body.errors ?? (body.code === undefined ? undefined : [{ message: body.message ?? '', extensions: { code: body.code } }]);
  return { status: response.status, data: body.data, errors };
}

export function errorCode(result: GqlResult<unknown>): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}

/** One SQL statement on its own connection (test assertions read the database directly). */
export async function sql<T = Array<Record<string, unknown>>>(
  statement: string,
  values: unknown[] = [],
  url = process.env['WALLET_DATABASE_URL'] as string,
): Promise<T> {
  const t = parseMysqlUrl(url);
  const connection = await connectMariaDb({ host: t.host, port: t.port, user: t.user, password: t.password, database: t.database });
  try {
    return await connection.query<T>(statement, values);
  } finally {
    await connection.end();
  }
}

export async function balanceOf(accountId: string, url?: string): Promise<{ balance: string; version: number }> {
  const [row] = await sql<Array<{ balance: string; version: number }>>(
    'SELECT CAST(balance AS CHAR) AS balance, version FROM accounts WHERE id = ?',
    [accountId],
    url,
  );
  if (row === undefined) throw new Error(`no account ${accountId}`);
  return { balance: row.balance, version: Number(row.version) };
}

export const M = {
  createClient: `mutation($input: CreateClientInput!) { createClient(input: $input) { id name email createdAt accounts { id } } }`,
  createAccount: `mutation($input: CreateAccountInput!) { createAccount(input: $input) { id createdAt client { id } } }`,
  deposit: `mutation($input: DepositInput!) { deposit(input: $input) { id } }`,
  transfer: `mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { id amount createdAt accountFrom { id } accountTo { id } } }`,
};

export function uniqueEmail(): string {
  return `user-${randomUUID()}@example.com`;
}

/** A fresh client with one account holding `deposit` (no deposit when "0"). */
export async function newAccount(url: string, deposit = '0'): Promise<{ clientId: string; accountId: string }> {
  const client = await gql<{ createClient: { id: string } }>(url, M.createClient, { input: { name: 'Test', email: uniqueEmail() } });
  const clientId = client.data?.createClient.id ?? '';
  const account = await gql<{ createAccount: { id: string } }>(url, M.createAccount, { input: { clientId } });
  const accountId = account.data?.createAccount.id ?? '';
  if (!clientId || !accountId) throw new Error(`setup failed: ${JSON.stringify([client.errors, account.errors])}`);
  if (deposit !== '0') {
    const result = await gql(url, M.deposit, { input: { accountId, amount: deposit, idempotencyKey: randomUUID() } });
    if (result.errors) throw new Error(`deposit failed: ${JSON.stringify(result.errors)}`);
  }
  return { clientId, accountId };
}

/** Polls a condition (no fixed sleeps): resolves as soon as it holds, fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface ReceivedEvent {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string;
  readonly headers: Record<string, string>;
}

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const one = Array.isArray(value) ? value[0] : value;
    if (one !== undefined) out[name] = one.toString();
  }
  return out;
}

/** A client of the test broker as `principal`, with this run's credentials (set by the Jest global setup). */
export function testKafka(principal: KafkaPrincipal, brokers = process.env['KAFKA_BROKERS'] as string): Kafka {
  return createKafka(
    { brokers: brokers.split(','), clientId: `wallet-test-${principal}`, sasl: kafkaCredentialsFromEnv(principal, process.env).sasl },
    silentLogger,
  );
}

/** Reads both topics from the beginning with a fresh consumer group (as the read-only observer) and keeps every message. */
export async function startEventCollector(brokers = process.env['KAFKA_BROKERS'] as string, topics = ['transactions', 'balances']) {
  const kafka = testKafka('observer', brokers);
  const consumer = kafka.consumer({ groupId: `${DEFAULT_OBSERVER_GROUP_PREFIX}wallet-test-${randomUUID()}`, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const events: ReceivedEvent[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      events.push({
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? '',
        headers: headerText(message.headers),
      });
    },
  });
  return {
    events,
    matching: (needle: string) => events.filter((e) => e.value.includes(needle)),
    stop: () => consumer.disconnect(),
  };
}

/**
 * A TCP gate in front of a real server: while closed it resets every connection (the server
 * looks down); while open it forwards bytes. Lets a test take MariaDB or Kafka "down" and back
 * without touching the shared processes.
 */
export async function startTcpGate(target: { host: string; port: number }, initiallyOpen: boolean) {
  const { createServer, connect } = await import('node:net');
  let open = initiallyOpen;
  const live = new Set<import('node:net').Socket>();
  const server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    live.add(client);
    live.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      live.delete(client);
      live.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as import('node:net').AddressInfo).port;
  return {
    port,
    open() {
      open = true;
    },
    /** Refuses new connections and cuts the live ones. */
    close() {
      open = false;
      for (const socket of live) socket.destroy();
      live.clear();
    },
    async stop() {
      this.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A migrated, empty wallet database of its own, for tests that must not share the outbox. */
export async function createIsolatedWalletDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const path = await import('node:path');
  const { applyMigrations } = await import('@walletgraph/platform/db');
  const base = parseMysqlUrl(process.env['WALLET_DATABASE_URL'] as string);
  const database = `${base.database.slice(0, 40)}_i${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const auth = base.password ? `${encodeURIComponent(base.user)}:${encodeURIComponent(base.password)}` : encodeURIComponent(base.user);
  const url = `mysql://${auth}@${base.host}:${base.port}/${database}`;
  await applyMigrations(url, path.join(__dirname, '../../prisma/wallet/migrations'), silentLogger);
  return { url, drop: async () => void (await sql(`DROP DATABASE IF EXISTS \`${database}\``)) };
}
