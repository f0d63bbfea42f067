import { decimalToJsonNumber, JsonNumber, parseJsonLossless } from '../core/index.js';

/** Topic names of the old system (CONTRACTS.md), the defaults of every process. */
export const Topics = {
  transactions: 'transactions',
  balances: 'balances',
  balancesDeadLetter: 'balances.dlq',
  balanceLive: 'balances.live',
} as const;

export const EventName = {
  TransactionCreated: 'TransactionCreated',
  BalanceUpdated: 'BalanceUpdated',
} as const;
export type EventName = (typeof EventName)[keyof typeof EventName];

/** Kafka headers that carry this project's metadata; the old Go producer sent none. */
export const EventHeader = {
  eventId: 'event-id',
  eventName: 'event-name',
  schemaVersion: 'schema-version',
  occurredAt: 'occurred-at',
  producer: 'producer',
  traceparent: 'traceparent',
  deadLetterReason: 'dead-letter-reason',
  deadLetterSource: 'dead-letter-source',
} as const;

export const SCHEMA_VERSION = '2';
export const PRODUCER_NAME = 'walletgraph';

/** Largest number of bytes a balances message may have before it is treated as hostile. */
export const EVENT_BYTES_MAX = 16 * 1024;

export interface TransactionCreatedPayload {
  readonly id: string;
  readonly account_id_from: string;
  readonly account_id_to: string;
  /** Exact decimal string. */
  readonly amount: string;
}

/** Balances are the values after the change. Versions are absent in old Go events. */
export interface BalanceUpdatedPayload {
  readonly account_id_from: string;
  readonly account_id_to: string;
  readonly balance_account_id_from: string;
  readonly balance_account_id_to: string;
  readonly version_account_id_from?: number;
  readonly version_account_id_to?: number;
  readonly event_id?: string;
  readonly occurred_at?: string;
  /** The transfer that caused the change (absent for deposits, openings and old events). */
  readonly transaction_id?: string;
}

export type WalletEvent =
  | { readonly Name: 'TransactionCreated'; readonly Payload: TransactionCreatedPayload }
  | { readonly Name: 'BalanceUpdated'; readonly Payload: BalanceUpdatedPayload };

const jsonString = (value: string): string => JSON.stringify(value);

/**
 * Serializes exactly as the old system did: `{"Name":…,"Payload":{…}}`, numbers as JSON numbers,
 * whole values without a decimal point. Extra fields come after the original four.
 */
export function encodeEvent(event: WalletEvent): string {
  if (event.Name === EventName.TransactionCreated) {
    const p = event.Payload;
    return (
      `{"Name":"TransactionCreated","Payload":{"id":${jsonString(p.id)},"account_id_from":${jsonString(p.account_id_from)},` +
      `"account_id_to":${jsonString(p.account_id_to)},"amount":${decimalToJsonNumber(p.amount)}}}`
    );
  }
  const p = event.Payload;
  const extra: string[] = [];
  if (p.version_account_id_from !== undefined) extra.push(`"version_account_id_from":${p.version_account_id_from}`);
  if (p.version_account_id_to !== undefined) extra.push(`"version_account_id_to":${p.version_account_id_to}`);
  if (p.event_id !== undefined) extra.push(`"event_id":${jsonString(p.event_id)}`);
  if (p.occurred_at !== undefined) extra.push(`"occurred_at":${jsonString(p.occurred_at)}`);
  if (p.transaction_id !== undefined) extra.push(`"transaction_id":${jsonString(p.transaction_id)}`);
  return (
    `{"Name":"BalanceUpdated","Payload":{"account_id_from":${jsonString(p.account_id_from)},` +
    `"account_id_to":${jsonString(p.account_id_to)},"balance_account_id_from":${decimalToJsonNumber(p.balance_account_id_from)},` +
    `"balance_account_id_to":${decimalToJsonNumber(p.balance_account_id_to)}${extra.map((e) => `,${e}`).join('')}}}`
  );
}

/** Why a message cannot be applied; the reason goes into the dead-letter header. */
export class EventDecodeError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'EventDecodeError';
  }
}

const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** DECIMAL(19,4): at most 15 integer digits and 4 fraction digits, never negative for a balance. */
const BALANCE_PATTERN = /^\d{1,15}(\.\d{1,4})?$/;
const VERSION_MAX = 2_147_483_647;

function field(payload: Record<string, unknown>, name: string): unknown {
  return payload[name];
}

function readUuid(payload: Record<string, unknown>, name: string): string {
  const value = field(payload, name);
  if (typeof value !== 'string' || !UUID_PATTERN.test(value)) throw new EventDecodeError(`Payload.${name} is not a UUID`);
  return value.toLowerCase();
}

function readBalance(payload: Record<string, unknown>, name: string): string {
  const value = field(payload, name);
  const text = value instanceof JsonNumber ? value.text : typeof value === 'string' ? value : undefined;
  if (text === undefined) throw new EventDecodeError(`Payload.${name} is not a number`);
  const plain = /[eE]/.test(text) ? expandExponent(text) : text;
  if (plain === undefined || !BALANCE_PATTERN.test(plain)) {
    throw new EventDecodeError(`Payload.${name} is not a non-negative DECIMAL(19,4): ${text.slice(0, 40)}`);
  }
  return plain;
}

/** Old producers may write 1e3; only exact, bounded expansions are accepted. */
function expandExponent(text: string): string | undefined {
  const match = /^(\d+)(?:\.(\d+))?[eE]([+-]?\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const digits = (match[1] ?? '') + (match[2] ?? '');
  const point = (match[1] ?? '').length + Number(match[3]);
  if (point <= 0 || point > 30) return undefined;
  const padded = digits.padEnd(point, '0');
  const integer = padded.slice(0, point).replace(/^0+(?=\d)/, '');
  const fraction = padded.slice(point).replace(/0+$/, '');
  return fraction ? `${integer}.${fraction}` : integer;
}

function readVersion(payload: Record<string, unknown>, name: string): number | undefined {
  const value = field(payload, name);
  if (value === undefined || value === null) return undefined;
  const text = value instanceof JsonNumber ? value.text : undefined;
  if (text === undefined || !/^\d{1,10}$/.test(text) || Number(text) > VERSION_MAX) {
    throw new EventDecodeError(`Payload.${name} is not a non-negative integer version`);
  }
  return Number(text);
}

/** Parses a `balances` message value (bytes) into a typed event, or throws EventDecodeError. */
export function decodeBalanceUpdated(value: Buffer | null): BalanceUpdatedPayload {
  if (value === null || value.length === 0) throw new EventDecodeError('empty message');
  if (value.length > EVENT_BYTES_MAX) throw new EventDecodeError(`message of ${value.length} bytes exceeds ${EVENT_BYTES_MAX}`);
  const text = value.toString('utf8');
  if (Buffer.byteLength(text) !== value.length || text.includes('\uFFFD')) throw new EventDecodeError('message is not valid UTF-8');
  let parsed: unknown;
  try {
    parsed = parseJsonLossless(text);
  } catch {
    throw new EventDecodeError('message is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new EventDecodeError('message is not a JSON object');
  const envelope = parsed as Record<string, unknown>;
  if (envelope['Name'] !== EventName.BalanceUpdated) {
    throw new EventDecodeError(`unknown event Name: ${String(envelope['Name']).slice(0, 60)}`);
  }
  const payload = envelope['Payload'];
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new EventDecodeError('Payload is not an object');
  const p = payload as Record<string, unknown>;
  const result: BalanceUpdatedPayload = {
    account_id_from: readUuid(p, 'account_id_from'),
    account_id_to: readUuid(p, 'account_id_to'),
    balance_account_id_from: readBalance(p, 'balance_account_id_from'),
    balance_account_id_to: readBalance(p, 'balance_account_id_to'),
  };
  const versionFrom = readVersion(p, 'version_account_id_from');
  const versionTo = readVersion(p, 'version_account_id_to');
  if ((versionFrom === undefined) !== (versionTo === undefined)) {
    throw new EventDecodeError('Payload carries only one of the two account versions');
  }
  const eventId = typeof p['event_id'] === 'string' ? p['event_id'] : undefined;
  const occurredAt = typeof p['occurred_at'] === 'string' ? p['occurred_at'] : undefined;
  // Metadata only (the history's cause column): one that is not a UUID is dropped, the balance still applies.
  const rawTransactionId = p['transaction_id'];
  const transactionId = typeof rawTransactionId === 'string' && UUID_PATTERN.test(rawTransactionId) ? rawTransactionId.toLowerCase() : undefined;
  return {
    ...result,
    ...(versionFrom === undefined ? {} : { version_account_id_from: versionFrom, version_account_id_to: versionTo as number }),
    ...(eventId === undefined ? {} : { event_id: eventId }),
    ...(occurredAt === undefined ? {} : { occurred_at: occurredAt }),
    ...(transactionId === undefined ? {} : { transaction_id: transactionId }),
  };
}

/** Parses a `transactions` message value; used by tests and tools. */
export function decodeTransactionCreated(value: Buffer): TransactionCreatedPayload {
  const parsed = parseJsonLossless(value.toString('utf8')) as Record<string, unknown>;
  if (parsed['Name'] !== EventName.TransactionCreated) throw new EventDecodeError('not a TransactionCreated event');
  const p = parsed['Payload'] as Record<string, unknown>;
  const amount = p['amount'];
  if (!(amount instanceof JsonNumber)) throw new EventDecodeError('Payload.amount is not a number');
  return {
    id: readUuid(p, 'id'),
    account_id_from: readUuid(p, 'account_id_from'),
    account_id_to: readUuid(p, 'account_id_to'),
    amount: amount.text,
  };
}
