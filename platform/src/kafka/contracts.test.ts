import { decodeBalanceUpdated, decodeTransactionCreated, encodeEvent, EventDecodeError, EVENT_BYTES_MAX } from './contracts.js';

const A = '7dfe0fa9-d168-4329-a9ba-ca1b7052fac3';
const B = 'c6aee752-9977-46c3-9fa0-29e14f85f73f';

describe('encodeEvent', () => {
  it('writes TransactionCreated exactly as the old Go service did', () => {
    const text = encodeEvent({ Name: 'TransactionCreated', Payload: { id: 'e1', account_id_from: A, account_id_to: B, amount: '5.0000' } });
    expect(text).toBe(`{"Name":"TransactionCreated","Payload":{"id":"e1","account_id_from":"${A}","account_id_to":"${B}","amount":5}}`);
  });

  it('writes BalanceUpdated with the four old fields first and metadata after', () => {
    const text = encodeEvent({
      Name: 'BalanceUpdated',
      Payload: {
        account_id_from: A,
        account_id_to: B,
        balance_account_id_from: '995.0000',
        balance_account_id_to: '1005.5000',
        version_account_id_from: 2,
        version_account_id_to: 3,
      },
    });
    expect(text).toBe(
      `{"Name":"BalanceUpdated","Payload":{"account_id_from":"${A}","account_id_to":"${B}","balance_account_id_from":995,"balance_account_id_to":1005.5,"version_account_id_from":2,"version_account_id_to":3}}`,
    );
  });

  it('names the transfer behind a BalanceUpdated last, and reads it back (one that is not a UUID is dropped, the event still applies)', () => {
    const T = 'a0000000-0000-4000-8000-00000000000a';
    const text = encodeEvent({
      Name: 'BalanceUpdated',
      Payload: {
        account_id_from: A,
        account_id_to: B,
        balance_account_id_from: '1',
        balance_account_id_to: '2',
        version_account_id_from: 2,
        version_account_id_to: 3,
        transaction_id: T,
      },
    });
    expect(text.endsWith(`"version_account_id_to":3,"transaction_id":"${T}"}}`)).toBe(true);
    expect(decodeBalanceUpdated(Buffer.from(text)).transaction_id).toBe(T);
    const malformed = decodeBalanceUpdated(Buffer.from(text.replace(T, 'not-a-uuid')));
    expect(malformed.transaction_id).toBeUndefined();
    expect(malformed.version_account_id_to).toBe(3);
  });

  it('keeps values a double cannot hold exact', () => {
    const text = encodeEvent({
      Name: 'BalanceUpdated',
      Payload: { account_id_from: A, account_id_to: A, balance_account_id_from: '999999999999999.9999', balance_account_id_to: '999999999999999.9999' },
    });
    expect(text).toContain('"balance_account_id_from":999999999999999.9999');
    expect(decodeBalanceUpdated(Buffer.from(text)).balance_account_id_from).toBe('999999999999999.9999');
  });
});

describe('decodeBalanceUpdated', () => {
  it('accepts the old Go message without versions', () => {
    const old = `{"Name":"BalanceUpdated","Payload":{"account_id_from":"${A}","account_id_to":"${B}","balance_account_id_from":995,"balance_account_id_to":1005}}`;
    expect(decodeBalanceUpdated(Buffer.from(old))).toEqual({
      account_id_from: A,
      account_id_to: B,
      balance_account_id_from: '995',
      balance_account_id_to: '1005',
    });
  });

  it('reads versions and metadata of this project', () => {
    const text = encodeEvent({
      Name: 'BalanceUpdated',
      Payload: {
        account_id_from: A,
        account_id_to: B,
        balance_account_id_from: '1',
        balance_account_id_to: '2',
        version_account_id_from: 7,
        version_account_id_to: 9,
        event_id: 'x',
      },
    });
    expect(decodeBalanceUpdated(Buffer.from(text))).toMatchObject({ version_account_id_from: 7, version_account_id_to: 9, event_id: 'x' });
  });

  it('accepts exponent notation only when exact', () => {
    const text = `{"Name":"BalanceUpdated","Payload":{"account_id_from":"${A}","account_id_to":"${B}","balance_account_id_from":1e3,"balance_account_id_to":1.5E1}}`;
    expect(decodeBalanceUpdated(Buffer.from(text))).toMatchObject({ balance_account_id_from: '1000', balance_account_id_to: '15' });
  });

  const payload = (from: string, to: string, extra = ''): string =>
    `{"Name":"BalanceUpdated","Payload":{"account_id_from":"${A}","account_id_to":"${B}","balance_account_id_from":${from},"balance_account_id_to":${to}${extra}}}`;

  it.each([
    ['garbage bytes', Buffer.from([0xff, 0xfe, 0x00, 0x13]), 'not valid UTF-8'],
    ['empty', Buffer.alloc(0), 'empty'],
    ['not JSON', Buffer.from('hello'), 'not JSON'],
    ['an array', Buffer.from('[1,2]'), 'not a JSON object'],
    ['unknown Name', Buffer.from('{"Name":"Other","Payload":{}}'), 'unknown event Name'],
    ['missing Payload', Buffer.from('{"Name":"BalanceUpdated"}'), 'Payload is not an object'],
    ['negative amount', Buffer.from(payload('-1', '2')), 'non-negative DECIMAL'],
    ['string NaN', Buffer.from(payload('"NaN"', '2')), 'non-negative DECIMAL'],
    ['boolean amount', Buffer.from(payload('true', '2')), 'is not a number'],
    ['too many decimals', Buffer.from(payload('1.00001', '2')), 'non-negative DECIMAL'],
    ['absurd size', Buffer.from(payload('1e40', '2')), 'non-negative DECIMAL'],
    ['16 integer digits', Buffer.from(payload('1000000000000000', '2')), 'non-negative DECIMAL'],
    ['bad uuid', Buffer.from(payload('1', '2').replace(A, 'nope')), 'not a UUID'],
    ['one version only', Buffer.from(payload('1', '2', ',"version_account_id_from":3')), 'only one of the two'],
    ['negative version', Buffer.from(payload('1', '2', ',"version_account_id_from":-3,"version_account_id_to":1')), 'integer version'],
    ['oversized', Buffer.from(payload('1', '2', `,"pad":"${'x'.repeat(EVENT_BYTES_MAX)}"`)), 'exceeds'],
  ])('rejects %s', (_name, value, reason) => {
    expect(() => decodeBalanceUpdated(value)).toThrow(EventDecodeError);
    expect(() => decodeBalanceUpdated(value)).toThrow(reason);
  });
});

describe('decodeTransactionCreated', () => {
  it('round-trips', () => {
    const text = encodeEvent({ Name: 'TransactionCreated', Payload: { id: A, account_id_from: A, account_id_to: B, amount: '0.0001' } });
    expect(decodeTransactionCreated(Buffer.from(text))).toEqual({ id: A, account_id_from: A, account_id_to: B, amount: '0.0001' });
  });
});
