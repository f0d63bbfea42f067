import { execFileSync } from 'node:child_process';
import { applyHeapGrowth, heapGrowthFlags } from './heap';

/**
 * A small live set (400,000 objects) and a stream of objects that live long enough to be promoted,
 * then die: the shape of the gateway's read load. Prints the largest heap V8 committed.
 */
const churn = `
for (const flag of JSON.parse(process.env.FLAGS)) require('node:v8').setFlagsFromString(flag);
const live = [];
for (let i = 0; i < 400000; i++) live.push({ i, s: 'x' + i, a: [i] });
const ring = new Array(100000);
let peak = 0;
for (let i = 0; i < 6000000; i++) {
  ring[i % ring.length] = { i, a: [i, i], s: { n: i } };
  if (i % 20000 === 0) peak = Math.max(peak, process.memoryUsage().heapTotal);
}
process.stdout.write(String(Math.round(peak / 1048576)) + ' ' + live.length);
`;

function peakHeapMb(flags: readonly string[]): number {
  const out = execFileSync(process.execPath, ['-e', churn], { env: { ...process.env, FLAGS: JSON.stringify(flags) }, encoding: 'utf8' });
  return Number(out.split(' ')[0]);
}

describe('heap growth (GATEWAY_HEAP_GROWING_PERCENT)', () => {
  it('sets V8 growing percent at start, and nothing for 0', () => {
    const set: string[] = [];
    applyHeapGrowth(50, (flag) => set.push(flag));
    applyHeapGrowth(0, (flag) => set.push(flag));
    expect(set).toEqual(['--heap-growing-percent=50']);
  });

  // The flag is set after V8 started (not on node's command line): this is what says it still
  // bounds the heap then, on the node the gateway runs on.
  it('keeps the heap near its live size when set at run time', () => {
    const v8Own = peakHeapMb(heapGrowthFlags(0));
    const bounded = peakHeapMb(heapGrowthFlags(50));
    expect(bounded).toBeLessThan(v8Own * 0.7);
  }, 30_000);
});
