// Who may call: tokens that are missing, expired, forged or malformed, on every transport, and
// callers reaching for another client's accounts (the full operation × caller matrix is in
// security.test.ts; these rows hold the same line on the transports and shapes it does not).
import { createHmac, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { DEV_INTERNAL_AUTH_SECRET } from '@walletgraph/platform/core';
import { INTERNAL_IDENTITY_HEADER, INTERNAL_AUDIENCE, INTERNAL_ISSUER } from '@walletgraph/platform/auth';
import type { Caller, Fixture, Outcome, Row, Wire } from './harness';

const TRANSFER = 'mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { id } }';
const BALANCE_UPDATED = 'subscription($id: ID!) { balanceUpdated(accountId: $id) { amount account { client { name email } } } }';

/** Owner's money, moved by whoever sends it. */
const transferFromOwner = (f: Fixture): Wire => ({
  query: TRANSFER,
  variables: { input: { accountIdFrom: f.owner.from, accountIdTo: f.other.to, amount: '1', idempotencyKey: randomUUID() } },
});
const watchOwner = (f: Fixture): Wire => ({ query: BALANCE_UPDATED, variables: { id: f.owner.from } });

const badTokens: readonly Caller[] = ['none', 'expired', 'forged', 'wrongAudience', 'algNone', 'garbage'];

const tokenRows: Row[] = badTokens.flatMap((caller): Row[] => [
  {
    name: `${caller} token: transfer over HTTP`,
    transport: 'http',
    as: caller,
    request: transferFromOwner,
    expect: { status: 401, code: 'UNAUTHENTICATED' },
    changesNothing: true,
  },
  { name: `${caller} token: transfer over WebSocket`, transport: 'ws', as: caller, request: transferFromOwner, expect: { close: 4401 }, changesNothing: true },
  {
    name: `${caller} token: transfer over SSE`,
    transport: 'sse',
    as: caller,
    request: transferFromOwner,
    expect: { status: 401, code: 'UNAUTHENTICATED' },
    changesNothing: true,
  },
  { name: `${caller} token: balanceUpdated over WebSocket`, transport: 'ws', as: caller, request: watchOwner, expect: { close: 4401 } },
  { name: `${caller} token: balanceUpdated over SSE`, transport: 'sse', as: caller, request: watchOwner, expect: { status: 401, code: 'UNAUTHENTICATED' } },
]);

const foreignRows: Row[] = [
  {
    name: 'foreign account read over HTTP looks unknown',
    transport: 'http',
    as: 'other',
    request: (f) => ({ query: 'query($id: ID!) { account(id: $id) { id client { email } } }', variables: { id: f.owner.from } }),
    expect: { status: 200, code: 'none', data: 'null' },
  },
  {
    name: 'foreign account read over WebSocket looks unknown',
    transport: 'ws',
    as: 'other',
    request: (f) => ({ query: 'query($id: ID!) { balance(accountId: $id) { amount } }', variables: { id: f.owner.from } }),
    expect: { code: 'none', data: 'null' },
  },
  {
    name: 'foreign account read over SSE looks unknown',
    transport: 'sse',
    as: 'other',
    request: (f) => ({ query: 'query($id: ID!) { account(id: $id) { id } }', variables: { id: f.owner.from } }),
    expect: { code: 'none', data: 'null' },
  },
  {
    name: 'transfer from a foreign account over HTTP',
    transport: 'http',
    as: 'other',
    request: transferFromOwner,
    expect: { code: 'FORBIDDEN' },
    changesNothing: true,
  },
  {
    name: 'transfer from a foreign account over WebSocket',
    transport: 'ws',
    as: 'other',
    request: transferFromOwner,
    expect: { code: 'FORBIDDEN' },
    changesNothing: true,
  },
  {
    name: 'transfer from a foreign account over SSE',
    transport: 'sse',
    as: 'other',
    request: transferFromOwner,
    expect: { code: 'FORBIDDEN' },
    changesNothing: true,
  },
  {
    name: 'deposit by a client (admins only) over HTTP',
    transport: 'http',
    as: 'owner',
    request: (f) => ({
      query: 'mutation($input: DepositInput!) { deposit(input: $input) { id } }',
      variables: { input: { accountId: f.owner.from, amount: '100', idempotencyKey: randomUUID() } },
    }),
    expect: { code: 'FORBIDDEN' },
    changesNothing: true,
  },
  { name: 'balanceUpdated of a foreign account over WebSocket', transport: 'ws', as: 'other', request: watchOwner, expect: { code: 'FORBIDDEN' } },
  { name: 'balanceUpdated of a foreign account over SSE', transport: 'sse', as: 'other', request: watchOwner, expect: { code: 'FORBIDDEN' } },
  // Issue 17: the new arguments open nothing new. A foreign minVersion read is null at once (no wait), a resume is refused.
  {
    name: 'balance(minVersion) of a foreign account over HTTP looks unknown, without waiting',
    transport: 'http',
    as: 'other',
    request: (f) => ({ query: 'query($id: ID!) { balance(accountId: $id, minVersion: 1000000) { amount } }', variables: { id: f.owner.from } }),
    expect: { status: 200, code: 'none', data: 'null' },
  },
  {
    name: 'balanceUpdated(afterVersion) of a foreign account over WebSocket',
    transport: 'ws',
    as: 'other',
    request: (f) => ({
      query: 'subscription($id: ID!) { balanceUpdated(accountId: $id, afterVersion: 0) { amount version } }',
      variables: { id: f.owner.from },
    }),
    expect: { code: 'FORBIDDEN' },
  },
];

/** A gateway identity signed with the real internal secret (HS256, by hand), but made to live `lifetimeSec`. */
function longLivedIdentity(lifetimeSec: number): Promise<string> {
  const nowSec = Math.floor(Date.now() / 1000);
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'walletgraph-identity+jwt' })}.${part({ role: 'admin', sub: 'mallory', iss: INTERNAL_ISSUER, aud: INTERNAL_AUDIENCE, iat: nowSec, exp: nowSec + lifetimeSec })}`;
  return Promise.resolve(`${unsigned}.${createHmac('sha256', DEV_INTERNAL_AUTH_SECRET).update(unsigned).digest('base64url')}`);
}

async function subgraphHttp(url: string, identity: string): Promise<Outcome> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [INTERNAL_IDENTITY_HEADER]: identity },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  const body = (await response.json()) as { code?: string };
  return { status: response.status, ...(body.code === undefined ? { code: 'none' } : { code: body.code }) };
}

async function subgraphWsClose(wsUrl: string, identity: string): Promise<Outcome> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  return new Promise<Outcome>((resolve) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { [INTERNAL_IDENTITY_HEADER]: identity } })));
    socket.on('message', (data) => {
      if ((JSON.parse((data as Buffer).toString('utf8')) as { type: string }).type === 'connection_ack') {
        resolve({ code: 'acknowledged' });
        socket.terminate();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', (code) => resolve({ close: code }));
  });
}

const identityRows: Row[] = [
  {
    name: 'subgraph identity living an hour: wallet subgraph over HTTP',
    transport: 'custom',
    run: async (f) => subgraphHttp(f.stack.wallet.graphqlUrl, await longLivedIdentity(3_600)),
    expect: { status: 401, code: 'UNAUTHENTICATED' },
  },
  {
    name: 'subgraph identity living an hour: balance subgraph over HTTP',
    transport: 'custom',
    run: async (f) => subgraphHttp(f.stack.balance.graphqlUrl, await longLivedIdentity(3_600)),
    expect: { status: 401, code: 'UNAUTHENTICATED' },
  },
  {
    name: 'subgraph identity living an hour: balance subgraph connection_init',
    transport: 'custom',
    run: async (f) => subgraphWsClose(f.stack.balance.wsUrl, await longLivedIdentity(3_600)),
    expect: { close: 4401 },
  },
  {
    name: 'control: subgraph identity living 60 s is accepted',
    transport: 'custom',
    run: async (f) => subgraphHttp(f.stack.wallet.graphqlUrl, await longLivedIdentity(60)),
    expect: { status: 200, code: 'none' },
  },
];

export const accessRows: readonly Row[] = [...tokenRows, ...foreignRows, ...identityRows];
