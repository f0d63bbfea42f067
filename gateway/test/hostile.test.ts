// The hostile-input table (issue 14): every attack we know of, one row each, against the real
// stack through the gateway, on the transport the row names. A refused mutation must change
// nothing. The rows live beside the harness in hostile/: add an attack by adding a row there.
import { accessRows } from './hostile/rows-access';
import { inputRows } from './hostile/rows-inputs';
import { limitRows } from './hostile/rows-limits';
import { comparable, createFixture, expectedComparable, runRow, snapshot, type Fixture, type Row } from './hostile/harness';
import { startStack, type Stack } from './stack';

const rows: readonly Row[] = [...inputRows, ...accessRows, ...limitRows];

let stack: Stack;
let fixture: Fixture;

beforeAll(async () => {
  stack = await startStack();
  fixture = await createFixture(stack);
});
afterAll(async () => {
  await fixture?.admin.close();
  await stack?.stop();
});

it('has one row per attack (names are unique)', () => {
  expect(new Set(rows.map((row) => row.name)).size).toBe(rows.length);
});

describe.each(['http', 'ws', 'sse', 'custom'] as const)('%s', (transport) => {
  const ofTransport = rows.filter((row) => row.transport === transport);
  it.each(ofTransport.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const before = row.changesNothing === true ? await snapshot(fixture) : undefined;
    const outcome = await runRow(fixture, row);
    expect(comparable(outcome, row.expect)).toEqual(expectedComparable(row.expect));
    if (before !== undefined) expect(await snapshot(fixture)).toEqual(before);
  });
});
