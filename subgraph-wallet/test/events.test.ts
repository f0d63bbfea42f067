import { randomUUID } from 'node:crypto';
import type { WalletService } from '../src/app.js';
import { gql, M, newAccount, sql, startEventCollector, startService, waitFor, type ReceivedEvent } from './helpers.js';

let service: WalletService;
let url: string;
let collector: Awaited<ReturnType<typeof startEventCollector>>;

beforeAll(async () => {
  [service, collector] = await Promise.all([startService(), startEventCollector()]);
  url = service.graphqlUrl;
});
afterAll(async () => {
  await Promise.all([service.stop(), collector.stop()]);
});

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function expectHeaders(event: ReceivedEvent, name: string): void {
  expect(Object.keys(event.headers).sort()).toEqual(['event-id', 'event-name', 'occurred-at', 'producer', 'schema-version']);
  expect(event.headers['event-name']).toBe(name);
  expect(event.headers['schema-version']).toBe('2');
  expect(event.headers['producer']).toBe('walletgraph');
  expect(event.headers['event-id']).toMatch(new RegExp(`^${UUID}$`));
  expect(event.headers['occurred-at']).toMatch(new RegExp(`^${ISO}$`));
}

describe('events on Kafka', () => {
  it('a transfer publishes TransactionCreated then BalanceUpdated with the exact old envelopes, keyed by the sender', async () => {
    const a = await newAccount(url, '1000');
    const b = await newAccount(url, '1000');
    const result = await gql<{ createTransaction: { id: string } }>(url, M.transfer, {
      input: { accountIdFrom: a.accountId, accountIdTo: b.accountId, amount: '5', idempotencyKey: randomUUID() },
    });
    const transactionId = result.data?.createTransaction.id as string;

    const created = await waitFor(
      () => collector.events.find((e) => e.topic === 'transactions' && e.value.includes(transactionId)),
      30_000,
      'TransactionCreated',
    );
    expect(created.value).toBe(
      `{"Name":"TransactionCreated","Payload":{"id":"${transactionId}","account_id_from":"${a.accountId}","account_id_to":"${b.accountId}","amount":5}}`,
    );
    expect(created.key).toBe(a.accountId);
    expectHeaders(created, 'TransactionCreated');

    const updated = await waitFor(
      () =>
        collector.events.find(
          (e) => e.topic === 'balances' && e.value.includes(`"account_id_to":"${b.accountId}"`) && e.value.includes(`"account_id_from":"${a.accountId}"`),
        ),
      30_000,
      'BalanceUpdated',
    );
    const eventId = updated.headers['event-id'] as string;
    const occurredAt = updated.headers['occurred-at'] as string;
    expect(updated.value).toBe(
      `{"Name":"BalanceUpdated","Payload":{"account_id_from":"${a.accountId}","account_id_to":"${b.accountId}",` +
        `"balance_account_id_from":995,"balance_account_id_to":1005,"version_account_id_from":2,"version_account_id_to":2,` +
        `"event_id":"${eventId}","occurred_at":"${occurredAt}","transaction_id":"${transactionId}"}}`,
    );
    expect(updated.key).toBe(a.accountId);
    expectHeaders(updated, 'BalanceUpdated');
    // Both went out in outbox order: TransactionCreated has the smaller outbox id.
    const rows = await sql<Array<{ topic: string }>>('SELECT topic FROM outbox_events WHERE message_key = ? AND created_at >= ? ORDER BY id', [
      a.accountId,
      new Date(occurredAt),
    ]);
    expect(rows.map((r) => r.topic)).toEqual(['transactions', 'balances']);
  });

  it('account opening and deposits are BalanceUpdated with the account on both sides, versions increasing', async () => {
    const a = await newAccount(url);
    await gql(url, M.deposit, { input: { accountId: a.accountId, amount: '12.3400', idempotencyKey: randomUUID() } });
    await gql(url, M.deposit, { input: { accountId: a.accountId, amount: '0.0001', idempotencyKey: randomUUID() } });
    const events = await waitFor(
      () => {
        const mine = collector.events.filter((e) => e.topic === 'balances' && e.key === a.accountId);
        return mine.length >= 3 ? mine : undefined;
      },
      30_000,
      'three balance events',
    );
    const prefix = `{"Name":"BalanceUpdated","Payload":{"account_id_from":"${a.accountId}","account_id_to":"${a.accountId}",`;
    const expected = [
      `"balance_account_id_from":0,"balance_account_id_to":0,"version_account_id_from":0,"version_account_id_to":0,`,
      `"balance_account_id_from":12.34,"balance_account_id_to":12.34,"version_account_id_from":1,"version_account_id_to":1,`,
      `"balance_account_id_from":12.3401,"balance_account_id_to":12.3401,"version_account_id_from":2,"version_account_id_to":2,`,
    ];
    events.forEach((event, i) => {
      expect(event.value).toMatch(new RegExp(`^${escape(prefix + (expected[i] as string))}"event_id":"${UUID}","occurred_at":"${ISO}"}}$`));
      expect((JSON.parse(event.value) as { Payload: { event_id: string } }).Payload.event_id).toBe(event.headers['event-id']);
      expectHeaders(event, 'BalanceUpdated');
    });
    expect(new Set(events.map((e) => e.partition)).size).toBe(1);
  });

  it('marks published rows, so nothing is left behind once the relay caught up', async () => {
    const a = await newAccount(url, '1');
    await waitFor(
      async () => {
        const rows = await sql<Array<{ published_at: Date | null }>>('SELECT published_at FROM outbox_events WHERE message_key = ?', [a.accountId]);
        return rows.length === 2 && rows.every((r) => r.published_at !== null);
      },
      30_000,
      'published_at set',
    );
  });
});
