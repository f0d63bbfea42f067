import { JsonNumber } from '@walletgraph/platform/core';
import { inexactNumberInSearch, parseRequestJson } from './request-json';

describe('request bodies', () => {
  it('keeps number texts in variables only, for one operation and for a batch', () => {
    const one = parseRequestJson('{"query":"q","variables":{"a":1.5e2,"b":[0.10000000000000001]},"extensions":{"persistedQuery":{"version":1.0}}}');
    expect(one).toEqual({
      query: 'q',
      variables: { a: new JsonNumber('1.5e2'), b: [new JsonNumber('0.10000000000000001')] },
      extensions: { persistedQuery: { version: 1 } },
    });
    const batch = parseRequestJson('[{"query":"q","variables":{"a":2.5}},{"query":"r","extensions":{"x":2.5}}]');
    expect(batch).toEqual([
      { query: 'q', variables: { a: new JsonNumber('2.5') } },
      { query: 'r', extensions: { x: 2.5 } },
    ]);
  });

  it('is JSON.parse when no number has a fraction or exponent', () => {
    const text = '{"query":"{ a(x: 1.5) }","variables":{"n":1,"s":"2.5e1"}}';
    expect(parseRequestJson(text)).toEqual(JSON.parse(text));
  });

  it('refuses a fraction or exponent in the variables of a GET URL', () => {
    expect(inexactNumberInSearch('/graphql?query=q&variables=%7B%22a%22%3A1.5e2%7D')).toMatch(/plain integers/);
    expect(inexactNumberInSearch('/graphql?query=q&variables=%7B%22a%22%3A15%7D')).toBeUndefined();
    expect(inexactNumberInSearch('/graphql?query=%7B%20a(x%3A%201.5)%20%7D')).toBeUndefined();
  });
});
