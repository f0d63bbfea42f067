// graphql-sse on the wire: which requests are SSE at all, single connection mode reservations bound to
// their caller, and their bounds (per caller, GATEWAY_SUBSCRIPTIONS_MAX, time). Raw HTTP on purpose:
// these tests assert statuses, codes and what another caller can and cannot reach.
import { randomUUID } from 'node:crypto';
import type { WalletClient } from '@walletgraph/sdk';
import { adminAuthorization, clientToken, userToken } from './auth';
import { subscribe } from './client';
import { createFundedAccounts, type Accounts } from './fixtures';
import { startStack, type Stack } from './stack';
import { testWallet } from './wallet-client';

const reservationsPerCallerMax = 3;
const reservationTtlMs = 1_500;
const subscriptionsMax = 8;

let stack: Stack;
let wallet: WalletClient;
let owner: Accounts;
let ownerAuthorization: string;
let otherAuthorization: string;
beforeAll(async () => {
  stack = await startStack({
    gatewayEnv: {
      GATEWAY_SSE_RESERVATIONS_PER_CALLER_MAX: String(reservationsPerCallerMax),
      GATEWAY_SSE_RESERVATION_TTL_MS: String(reservationTtlMs),
      GATEWAY_SUBSCRIPTIONS_MAX: String(subscriptionsMax),
      SUBSCRIPTIONS_PER_CONNECTION_MAX: '2',
    },
  });
  wallet = testWallet(stack);
  owner = await createFundedAccounts(wallet);
  const other = await createFundedAccounts(wallet);
  ownerAuthorization = `Bearer ${await clientToken(owner.clientId)}`;
  otherAuthorization = `Bearer ${await clientToken(other.clientId)}`;
});
afterAll(async () => {
  await wallet?.close();
  await stack?.stop();
});

const balanceSubscription = 'subscription($id: ID!) { balanceUpdated(accountId: $id) { amount version account { client { name email } } } }';
const urqlAccept = 'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed';

async function reserve(authorization: string): Promise<{ status: number; token: string; body: string; retryAfter: string | null }> {
  const response = await fetch(stack.url, { method: 'PUT', headers: { authorization } });
  const body = await response.text();
  return { status: response.status, token: response.status === 201 ? body : '', body, retryAfter: response.headers.get('retry-after') };
}

function postOperation(token: string, authorization: string, operationId: string, query: string, variables: Record<string, unknown> = {}): Promise<Response> {
  return fetch(stack.url, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json', 'x-graphql-event-stream-token': token },
    body: JSON.stringify({ query, variables, extensions: { operationId } }),
  });
}

/** An open event stream, read frame by frame (`event: …\ndata: …`); pings are skipped. */
interface OpenStream {
  readonly status: number;
  readonly body: string;
  nextFrame(timeoutMs?: number): Promise<string>;
  close(): void;
}

async function openStream(authorization: string, token: string, via: 'header' | 'query' = 'header'): Promise<OpenStream> {
  const abort = new AbortController();
  const url = via === 'query' ? `${stack.url}?token=${encodeURIComponent(token)}` : stack.url;
  const headers: Record<string, string> = {
    authorization,
    accept: 'text/event-stream',
    ...(via === 'header' ? { 'x-graphql-event-stream-token': token } : {}),
  };
  const response = await fetch(url, { headers, signal: abort.signal });
  if (response.status !== 200 || response.body === null) {
    return { status: response.status, body: await response.text(), nextFrame: () => Promise.reject(new Error('no stream')), close: () => abort.abort() };
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  const nextFrame = async (timeoutMs = 10_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = buffered.indexOf('\n\n');
      if (end >= 0) {
        const frame = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (frame.startsWith('event:')) return frame;
        continue;
      }
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) throw new Error(`no SSE frame within ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([reader.read(), new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), remainingMs)))]);
      clearTimeout(timer);
      if (chunk === 'timeout') continue;
      if (chunk.done) throw new Error('the stream ended');
      buffered += decoder.decode(chunk.value as Uint8Array, { stream: true });
    }
  };
  return { status: 200, body: '', nextFrame, close: () => abort.abort() };
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${stack.origin}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  // A labelled gauge has no line until first set.
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

/** Polls `probe` until it holds (bounded): waits on a condition, never a fixed sleep. */
async function eventually(probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const noReservations = async (): Promise<boolean> => (await metric('gateway_sse_reservations')) === 0;

describe('which requests are SSE', () => {
  it.each([
    ["urql's default Accept", urqlAccept, 200, 'application/graphql-response+json'],
    ['JSON or a stream', 'application/json, text/event-stream', 200, 'application/json'],
    ['a stream refused (q=0), JSON accepted', 'text/event-stream;q=0, application/json', 200, 'application/json'],
    ['no Accept at all', undefined, 200, 'application/json'],
    ['a stream only (graphql-sse, EventSource)', 'text/event-stream', 200, 'text/event-stream'],
    ['a stream only, with parameters', 'text/event-stream; charset=utf-8', 200, 'text/event-stream'],
  ])('%s → %s', async (_name, accept, status, contentType) => {
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: { authorization: await adminAuthorization(), 'content-type': 'application/json', ...(accept === undefined ? {} : { accept }) },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(new RegExp(`^${contentType.replace('+', '\\+')}`));
    const body = await response.text();
    if (contentType === 'text/event-stream') expect(body).toMatch(/event: next\ndata: \{"data":\{"__typename":"Query"\}\}/);
    else expect(JSON.parse(body)).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('a single connection stream belongs to the caller that reserved it', () => {
  it('another caller gets exactly the answer of an unknown token, for the stream, an operation and a DELETE; the owner gets its events', async () => {
    await eventually(noReservations);
    const reservation = await reserve(ownerAuthorization);
    expect(reservation.status).toBe(201);
    expect(reservation.token).toMatch(/^[0-9a-f-]{36}$/);
    // The owner subscribes before opening the stream (graphql-sse flushes the events on connect).
    expect((await postOperation(reservation.token, ownerAuthorization, 'watch', balanceSubscription, { id: owner.to })).status).toBe(202);

    const answer = async (response: Response | OpenStream): Promise<string> =>
      'nextFrame' in response ? `${response.status} ${response.body}` : `${response.status} ${await response.text()}`;
    const unknownToken = randomUUID();
    const asOther = [
      await answer(await openStream(otherAuthorization, reservation.token, 'header')),
      await answer(await openStream(otherAuthorization, reservation.token, 'query')),
      await answer(await postOperation(reservation.token, otherAuthorization, 'spy', balanceSubscription, { id: owner.to })),
      await answer(
        await fetch(`${stack.url}?operationId=watch`, {
          method: 'DELETE',
          headers: { authorization: otherAuthorization, 'x-graphql-event-stream-token': reservation.token },
        }),
      ),
    ];
    const unknown = [
      await answer(await openStream(otherAuthorization, unknownToken, 'header')),
      await answer(await openStream(otherAuthorization, unknownToken, 'query')),
      await answer(await postOperation(unknownToken, otherAuthorization, 'spy', balanceSubscription, { id: owner.to })),
      await answer(
        await fetch(`${stack.url}?operationId=watch`, {
          method: 'DELETE',
          headers: { authorization: otherAuthorization, 'x-graphql-event-stream-token': unknownToken },
        }),
      ),
    ];
    expect(asOther).toEqual(unknown);
    expect(asOther[0]).toBe('404 {"errors":[{"message":"Stream not found","extensions":{"code":"SSE_STREAM_NOT_FOUND"}}]}');

    // The owner's stream is intact: opening it delivers the owner's own events, nothing from the other caller.
    const stream = await openStream(ownerAuthorization, reservation.token);
    try {
      expect(stream.status).toBe(200);
      let frame = '';
      for (let attempt = 0; attempt < 20 && frame === ''; attempt += 1) {
        await wallet.transfer({ accountIdFrom: owner.from, accountIdTo: owner.to, amount: '0.01' });
        frame = await stream.nextFrame(1_500).catch(() => '');
      }
      expect(frame).toMatch(/^event: next\ndata: \{"id":"watch","payload":\{"data":\{"balanceUpdated":/);
      expect(frame).toContain(owner.clientName);
    } finally {
      stream.close();
    }
  });
});

describe('reservations are bounded', () => {
  it(`per caller: ${reservationsPerCallerMax} at once, the rest refused with 429 SSE_RESERVATION_LIMIT_EXCEEDED; unused ones expire`, async () => {
    await eventually(noReservations);
    const authorization = `Bearer ${await userToken({ role: 'admin', subject: `sse-flood-${randomUUID()}` })}`;
    const outcomes = await Promise.all(Array.from({ length: 60 }, () => reserve(authorization)));
    const created = outcomes.filter((outcome) => outcome.status === 201);
    const refused = outcomes.filter((outcome) => outcome.status === 429);
    expect(created).toHaveLength(reservationsPerCallerMax);
    expect(refused).toHaveLength(60 - reservationsPerCallerMax);
    expect(JSON.parse(refused[0]?.body ?? '{}')).toMatchObject({
      errors: [
        {
          message: expect.stringMatching(/at most 3 SSE streams .*GATEWAY_SSE_RESERVATIONS_PER_CALLER_MAX/),
          extensions: { code: 'SSE_RESERVATION_LIMIT_EXCEEDED', max: 3 },
        },
      ],
    });
    expect(refused[0]?.retryAfter).toBe('2');
    expect(await metric('gateway_sse_reservations')).toBe(reservationsPerCallerMax);
    // Never opened: gone after the TTL, and the caller may reserve again; an expired token is not found.
    await eventually(noReservations);
    const expired = await openStream(authorization, created[0]?.token ?? '');
    expect(expired.status).toBe(404);
    const again = await reserve(authorization);
    expect(again.status).toBe(201);
  });

  it('each reservation holds a GATEWAY_SUBSCRIPTIONS_MAX slot: past it, reservations (503) and subscriptions are refused', async () => {
    await eventually(noReservations);
    const callers = await Promise.all([1, 2, 3].map(async (n) => `Bearer ${await userToken({ role: 'admin', subject: `sse-slots-${n}-${randomUUID()}` })}`));
    const outcomes = await Promise.all(callers.flatMap((authorization) => Array.from({ length: reservationsPerCallerMax }, () => reserve(authorization))));
    expect(outcomes.filter((outcome) => outcome.status === 201)).toHaveLength(subscriptionsMax);
    const full = outcomes.filter((outcome) => outcome.status === 503);
    expect(full).toHaveLength(callers.length * reservationsPerCallerMax - subscriptionsMax);
    expect(JSON.parse(full[0]?.body ?? '{}')).toMatchObject({ errors: [{ extensions: { code: 'SUBSCRIPTION_LIMIT_EXCEEDED', max: subscriptionsMax } }] });
    const live = subscribe('ws', stack, balanceSubscription, { id: owner.to });
    try {
      const refusal = await Promise.race([live.next(10_000), live.ended.then(() => ({ errors: [] }))]);
      expect(JSON.stringify(refusal.errors)).toMatch(/SUBSCRIPTION_LIMIT_EXCEEDED/);
    } finally {
      await live.close();
    }
    await eventually(noReservations);
  });

  it('the subscriptions of a reservation never opened end when it expires', async () => {
    await eventually(noReservations);
    const reservation = await reserve(ownerAuthorization);
    const activeBefore = await metric('gateway_subscriptions_active{transport="sse"}');
    expect((await postOperation(reservation.token, ownerAuthorization, 'orphan', balanceSubscription, { id: owner.to })).status).toBe(202);
    expect(await metric('gateway_subscriptions_active{transport="sse"}')).toBe(activeBefore + 1);
    await eventually(async () => (await metric('gateway_subscriptions_active{transport="sse"}')) === activeBefore);
    expect(await metric('gateway_sse_reservations')).toBe(0);
  });

  it('a stream is one connection: at most SUBSCRIPTIONS_PER_CONNECTION_MAX subscriptions on it', async () => {
    await eventually(noReservations);
    const reservation = await reserve(ownerAuthorization);
    const stream = await openStream(ownerAuthorization, reservation.token);
    try {
      for (const id of ['1', '2'])
        expect((await postOperation(reservation.token, ownerAuthorization, id, balanceSubscription, { id: owner.to })).status).toBe(202);
      expect((await postOperation(reservation.token, ownerAuthorization, '3', balanceSubscription, { id: owner.to })).status).toBe(202);
      const frame = await stream.nextFrame();
      expect(frame).toMatch(/"id":"3".*at most 2 subscriptions \(SUBSCRIPTIONS_PER_CONNECTION_MAX\).*SUBSCRIPTION_LIMIT_EXCEEDED/s);
    } finally {
      stream.close();
    }
    await eventually(noReservations);
  });
});
