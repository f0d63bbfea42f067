// The hostile-input table's machinery: one row per attack, run over the real stack through the
// gateway on the transport the row names, its outcome compared with what the row expects, and,
// for a mutation, proof that nothing changed. Adding an attack is adding one row.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { Identity } from '@walletgraph/platform/auth';
import type { WalletClient } from '@walletgraph/sdk';
import { sql } from '../../../subgraph-wallet/test/helpers';
import { devUserToken, userToken } from '../auth';
import { metricValue } from '../refusals';
import { createFundedAccounts, type Accounts } from '../fixtures';
import type { Stack } from '../stack';
import { walletAs } from '../wallet-client';

/** Who sends the attack: a kind of token (or none), as the gateway's Authorization sees it. */
export type Caller = 'admin' | 'owner' | 'other' | 'none' | 'expired' | 'forged' | 'wrongAudience' | 'algNone' | 'garbage';

/** What came back, whatever the transport; a row names only the parts it cares about. */
export interface Outcome {
  /** HTTP status (HTTP, SSE). */
  readonly status?: number;
  /** `extensions.code` of the first error, or `none` when the answer had no error. */
  readonly code?: string;
  /** WebSocket close code, when the gateway closed the socket. */
  readonly close?: number;
  /** The first error's message matches (checked as a RegExp). */
  readonly message?: RegExp;
  /** The first error's message as received (filled in by the runners; rows use `message`). */
  readonly messageText?: string;
  /** `null`: the root field came back null (how a foreign thing looks); `ok`: it had a value. */
  readonly data?: 'null' | 'ok';
}

export interface Fixture {
  readonly stack: Stack;
  readonly owner: Accounts;
  readonly other: Accounts;
  readonly token: (caller: Caller) => string | undefined;
  /** A domain no other suite uses: clients a row creates (or must not create) live under it. */
  readonly emailDomain: string;
  readonly admin: WalletClient;
  /** Mints a token for any identity with the stack's secret (a caller of the row's own). */
  readonly sign: (identity: Identity, expiresIn?: number | string) => Promise<string>;
}

/** A GraphQL request as it goes on the wire. `variablesJson` is sent verbatim (exact number texts). */
export interface Wire {
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly variablesJson?: string;
  readonly operationName?: string;
  /** Sent as is: APQ (`persistedQuery`), trusted document ids. */
  readonly extensions?: Record<string, unknown>;
}

interface RowBase {
  readonly name: string;
  readonly expect: Outcome;
  /** A mutation that must be refused: the fixture's accounts, transfers, deposits and clients are compared before and after. */
  readonly changesNothing?: boolean;
  /** Refused by the gateway itself: no subgraph fetch between before and after (the gateway's /metrics). */
  readonly fetchesNothing?: boolean;
}

export type Row =
  | (RowBase & { readonly transport: 'http' | 'ws' | 'sse'; readonly as?: Caller; readonly request: (f: Fixture) => Wire })
  | (RowBase & { readonly transport: 'custom'; readonly run: (f: Fixture) => Promise<Outcome> });

export function bodyOf(wire: Wire): string {
  const variables = wire.variablesJson ?? JSON.stringify(wire.variables ?? {});
  const operationName = wire.operationName === undefined ? '' : `,"operationName":${JSON.stringify(wire.operationName)}`;
  const extensions = wire.extensions === undefined ? '' : `,"extensions":${JSON.stringify(wire.extensions)}`;
  return `{"query":${JSON.stringify(wire.query)},"variables":${variables}${operationName}${extensions}}`;
}

interface GraphqlBody {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: ReadonlyArray<{ readonly message?: string; readonly extensions?: { readonly code?: string } }> | undefined;
}

export function outcomeOfBody(body: GraphqlBody | GraphqlBody[] | undefined, extra: Omit<Outcome, 'code' | 'data'> = {}): Outcome {
  const first = Array.isArray(body) ? body[0] : body;
  const error = first?.errors?.[0];
  const value = first?.data === undefined || first.data === null ? undefined : Object.values(first.data)[0];
  return {
    ...extra,
    code: error === undefined ? 'none' : (error.extensions?.code ?? 'no code'),
    ...(error?.message === undefined ? {} : { messageText: error.message }),
    ...(first?.data === undefined ? {} : { data: value === null || value === undefined ? 'null' : 'ok' }),
  };
}

export function authorizationOf(f: Fixture, caller: Caller): Record<string, string> {
  const token = f.token(caller);
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

async function readJson(response: Response): Promise<GraphqlBody | undefined> {
  const text = await response.text();
  try {
    return JSON.parse(text) as GraphqlBody;
  } catch {
    return { errors: [{ message: text, extensions: { code: 'not JSON' } }] };
  }
}

export async function runHttp(f: Fixture, caller: Caller, wire: Wire): Promise<Outcome> {
  const response = await fetch(f.stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authorizationOf(f, caller) },
    body: bodyOf(wire),
  });
  return outcomeOfBody(await readJson(response), { status: response.status });
}

/** graphql-sse's distinct-connections mode, raw: POST with Accept: text/event-stream, read until the first result or the end. */
export async function runSse(f: Fixture, caller: Caller, wire: Wire, waitMs = 10_000): Promise<Outcome> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), waitMs);
  try {
    const response = await fetch(f.stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...authorizationOf(f, caller) },
      body: bodyOf(wire),
      signal: abort.signal,
    });
    if (!(response.headers.get('content-type') ?? '').includes('text/event-stream'))
      return outcomeOfBody(await readJson(response), { status: response.status });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const step = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (step.done) break;
      text += decoder.decode(step.value, { stream: true });
      const next = /event: next\ndata: (.*)\n/.exec(text);
      if (next?.[1] !== undefined) {
        abort.abort();
        return outcomeOfBody(JSON.parse(next[1]) as GraphqlBody, { status: response.status });
      }
      if (text.includes('event: complete')) break;
    }
    return { status: response.status, code: 'none' };
  } catch (error: unknown) {
    if (abort.signal.aborted) return { code: 'open' };
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** graphql-transport-ws, raw: connection_init with the token, then one subscribe message sent verbatim. */
export async function runWs(f: Fixture, caller: Caller, wire: Wire, waitMs = 10_000): Promise<Outcome> {
  const socket = new WebSocket(f.stack.wsUrl, 'graphql-transport-ws');
  try {
    return await new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => resolve({ code: 'open' }), waitMs);
      const done = (outcome: Outcome): void => {
        clearTimeout(timer);
        resolve(outcome);
      };
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: authorizationOf(f, caller) })));
      socket.on('close', (code) => done({ close: code }));
      socket.on('error', () => undefined);
      socket.on('message', (data) => {
        const message = JSON.parse((data as Buffer).toString('utf8')) as { type: string; payload?: unknown };
        if (message.type === 'connection_ack') socket.send(`{"id":"1","type":"subscribe","payload":${bodyOf(wire)}}`);
        else if (message.type === 'next') done(outcomeOfBody(message.payload as GraphqlBody));
        else if (message.type === 'error') done(outcomeOfBody({ errors: message.payload as GraphqlBody['errors'] }));
        else if (message.type === 'complete') done({ code: 'none' });
      });
    });
  } finally {
    socket.terminate();
  }
}

/** What a refused mutation must leave as it was: everything of the fixture's clients and accounts. */
export async function snapshot(f: Fixture): Promise<unknown> {
  const accounts = [f.owner.from, f.owner.to, f.other.from, f.other.to];
  const [balances, transfers, deposits, clients] = await Promise.all([
    sql('SELECT id, CAST(balance AS CHAR) AS balance, version FROM accounts WHERE id IN (?) ORDER BY id', [accounts]),
    sql('SELECT COUNT(*) AS n FROM transactions WHERE account_id_from IN (?) OR account_id_to IN (?)', [accounts, accounts]),
    sql('SELECT COUNT(*) AS n FROM deposits WHERE account_id IN (?)', [accounts]),
    sql('SELECT COUNT(*) AS n FROM clients WHERE email LIKE ? OR id IN (?)', [`%@${f.emailDomain}`, [f.owner.clientId, f.other.clientId]]),
  ]);
  const accountCount = await sql('SELECT COUNT(*) AS n FROM accounts WHERE client_id IN (?)', [[f.owner.clientId, f.other.clientId]]);
  return JSON.parse(
    JSON.stringify({ balances, transfers, deposits, clients, accountCount }, (_key, value: unknown) => (typeof value === 'bigint' ? Number(value) : value)),
  );
}

export async function runRow(f: Fixture, row: Row): Promise<Outcome> {
  if (row.transport === 'custom') return row.run(f);
  const caller = row.as ?? 'owner';
  const wire = row.request(f);
  if (row.transport === 'http') return runHttp(f, caller, wire);
  if (row.transport === 'ws') return runWs(f, caller, wire);
  return runSse(f, caller, wire);
}

/** The parts of `actual` the row names, to compare with `expected` as one object (a readable diff). */
export function comparable(actual: Outcome, expected: Outcome): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(expected) as Array<keyof Outcome>) {
    if (key === 'message') picked[key] = actual.messageText ?? '(no message)';
    else picked[key] = actual[key];
  }
  return picked;
}

export function expectedComparable(expected: Outcome): Record<string, unknown> {
  const picked: Record<string, unknown> = { ...expected };
  if (expected.message !== undefined) picked['message'] = expect.stringMatching(expected.message);
  return picked;
}

/** Subgraph fetches the gateway has made so far (both subgraphs, any outcome), from its /metrics. */
export async function subgraphFetchCount(f: Fixture): Promise<number> {
  const text = await (await fetch(`${f.stack.origin}/metrics`)).text();
  let total = 0;
  for (const subgraph of ['wallet', 'balance'])
    for (const outcome of ['ok', 'error'])
      total += metricValue(text, `gateway_subgraph_fetch_duration_seconds_count{subgraph="${subgraph}",outcome="${outcome}"}`);
  return total;
}

/** Starts the fixture: two clients with funded accounts, and every kind of token (signed with `secret`: the stack's AUTH_JWT_SECRET). */
export async function createFixture(stack: Stack, secret: string = devUserToken.secret): Promise<Fixture> {
  const sign = (identity: Identity, expiresIn: number | string = '1h') => userToken(identity, expiresIn, { secret });
  const adminToken = await sign({ role: 'admin', subject: 'hostile-admin' });
  const admin = walletAs(stack, adminToken);
  const owner = await createFundedAccounts(admin);
  const other = await createFundedAccounts(admin);
  const asClient = (clientId: string, expiresIn?: number) => sign({ role: 'client', subject: `test-client-${clientId}`, clientId }, expiresIn);
  const tokens: Partial<Record<Caller, string>> = {
    admin: adminToken,
    owner: await asClient(owner.clientId),
    other: await asClient(other.clientId),
    expired: await asClient(owner.clientId, -120),
    forged: await userToken({ role: 'admin', subject: 'mallory' }, '1h', { secret: 'not-the-real-secret-not-the-real-secret' }),
    wrongAudience: await userToken({ role: 'admin', subject: 'mallory' }, '1h', { secret, audience: 'some-other-api' }),
    algNone: `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'mallory', role: 'admin', iss: 'walletgraph-dev', aud: 'walletgraph', exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url')}.`,
    garbage: 'not-a-jwt',
  };
  return { stack, owner, other, admin, token: (caller) => tokens[caller], sign, emailDomain: `hostile-${randomUUID().slice(0, 8)}.test` };
}

/**
 * The table as Jest tests, one per row, grouped by transport. `fixture` is read when a row runs
 * (the file's beforeAll has set it up by then).
 */
export function describeRows(rows: readonly Row[], fixture: () => Fixture): void {
  it('has one row per attack (names are unique)', () => {
    expect(new Set(rows.map((row) => row.name)).size).toBe(rows.length);
  });
  describe.each(['http', 'ws', 'sse', 'custom'] as const)('%s', (transport) => {
    const ofTransport = rows.filter((row) => row.transport === transport);
    if (ofTransport.length === 0) return;
    it.each(ofTransport.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
      const f = fixture();
      const before = row.changesNothing === true ? await snapshot(f) : undefined;
      const fetchesBefore = row.fetchesNothing === true ? await subgraphFetchCount(f) : undefined;
      const outcome = await runRow(f, row);
      expect(comparable(outcome, row.expect)).toEqual(expectedComparable(row.expect));
      if (before !== undefined) expect(await snapshot(f)).toEqual(before);
      if (fetchesBefore !== undefined) expect(await subgraphFetchCount(f)).toBe(fetchesBefore);
    });
  });
}
