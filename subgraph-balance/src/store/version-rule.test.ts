import { decideSide, type SideDecision } from './version-rule.js';

const side = (version: number | undefined) => ({ accountId: 'a', amount: '1', version });

test.each<[string, number | undefined, number | undefined, SideDecision]>([
  ['new row from a versioned event', undefined, 7, { kind: 'insert', version: 7 }],
  ['new row from an old event starts at 0', undefined, undefined, { kind: 'insert', version: 0 }],
  ['newer version applies', 3, 4, { kind: 'update', version: 4 }],
  ['a gap still applies', 3, 9, { kind: 'update', version: 9 }],
  ['same version is a redelivery: publish again, write nothing', 3, 3, { kind: 'republish' }],
  ['older version is ignored', 3, 2, { kind: 'stale' }],
  ['old un-versioned event writes and keeps the version', 3, undefined, { kind: 'update', version: 3 }],
])('%s', (_name, stored, incoming, expected) => {
  expect(decideSide(stored, side(incoming))).toEqual(expected);
});
