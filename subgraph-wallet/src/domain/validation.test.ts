import { randomUUID } from 'node:crypto';
import { decodeCursor, encodeCursor } from './cursor.js';
import { requestHash } from './idempotency.js';
import { emailKeyOf, parseEmail, parseIdempotencyKey, parseName, parsePageSize, parseUuid } from './validation.js';

describe('validation', () => {
  it('normalizes ids, names and emails', () => {
    const id = randomUUID();
    expect(parseUuid(id.toUpperCase(), 'id')).toBe(id);
    expect(parseName('  Ana ')).toBe('Ana');
    expect(parseEmail(' Ana@Example.COM ')).toBe('ana@example.com');
  });

  it('keeps well-formed text outside the BMP (a surrogate pair is not a lone surrogate)', () => {
    expect(parseName('Ana 😀')).toBe('Ana 😀');
  });

  it('compares emails case-insensitively and accent-sensitively (lower case, then NFC)', () => {
    expect(emailKeyOf('Lücas@L.com')).toBe(emailKeyOf('lücas@l.com'));
    expect(emailKeyOf('lu\u0308cas@l.com')).toBe(emailKeyOf('lücas@l.com'));
    expect(emailKeyOf('lücas@l.com')).not.toBe(emailKeyOf('lucas@l.com'));
    expect(emailKeyOf('straße@x.com')).not.toBe(emailKeyOf('strasse@x.com'));
    expect(parseEmail(' LU\u0308CAS@L.COM ')).toBe('lücas@l.com');
  });

  it.each([
    [() => parseUuid('123', 'id'), /UUID/],
    [() => parseUuid(undefined, 'id'), /UUID/],
    [() => parseName(''), /empty/],
    [() => parseName('x'.repeat(256)), /at most 255/],
    [() => parseEmail('a@b'), /valid address/],
    [() => parseEmail('a b@c.com'), /valid address/],
    [() => parseEmail(`${'a'.repeat(250)}@b.com`), /at most 255/],
    [() => parseIdempotencyKey(''), /required/],
    [() => parseIdempotencyKey(undefined), /required/],
    [() => parseIdempotencyKey('k'.repeat(256)), /at most 255/],
    [() => parseName('x\ud800y'), /name is not valid Unicode/],
    [() => parseName('\udc00'), /name is not valid Unicode/],
    [() => parseEmail('a\ud83d@b.com'), /email is not valid Unicode/],
    [() => parseIdempotencyKey('key-\udfff'), /idempotencyKey is not valid Unicode/],
    [() => parsePageSize(0), /between 1 and 100/],
    [() => parsePageSize(101), /between 1 and 100/],
  ])('refuses bad input %#', (call, message) => {
    expect(call).toThrow(message);
  });

  it('defaults the page size to 20', () => {
    expect(parsePageSize(undefined)).toBe(20);
    expect(parseIdempotencyKey('k'.repeat(255))).toHaveLength(255);
  });
});

describe('cursor', () => {
  it('round-trips and refuses tampered text', () => {
    const cursor = { createdAt: new Date('2026-01-02T03:04:05.678Z'), id: randomUUID() };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor(undefined)).toBeUndefined();
    for (const bad of [
      '!!',
      Buffer.from('2026-01-02|nope').toString('base64url'),
      Buffer.from(`yesterday|${randomUUID()}`).toString('base64url'),
      'a'.repeat(500),
    ]) {
      expect(() => decodeCursor(bad)).toThrow(/not a valid cursor/);
    }
  });
});

describe('requestHash', () => {
  it('is the same for the same normalized input and differs per operation or field', () => {
    const base = requestHash('transfer', { accountIdFrom: 'a', accountIdTo: 'b', amount: '5' });
    expect(requestHash('transfer', { amount: '5', accountIdTo: 'b', accountIdFrom: 'a' })).toBe(base);
    expect(requestHash('transfer', { accountIdFrom: 'a', accountIdTo: 'b', amount: '6' })).not.toBe(base);
    expect(requestHash('deposit', { accountIdFrom: 'a', accountIdTo: 'b', amount: '5' })).not.toBe(base);
  });
});
