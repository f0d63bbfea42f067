import type { Producer, ProducerRecord } from 'kafkajs';
import { createLogger } from '../core/index.js';
import { createRenewingProducer } from './renewing-producer.js';

const logger = createLogger({ name: 'renewing-producer-test', level: 'silent' });
const record: ProducerRecord = { topic: 'balances.live', messages: [{ key: 'a', value: '1' }] };

/** Fake producers: each fails its sends while `failing` says so (a stale idempotent producer fails every send). */
function fakeProducers(failing: (index: number) => boolean) {
  const made: Array<{ index: number; sends: number; disconnected: boolean }> = [];
  const make = (): Producer => {
    const state = { index: made.length, sends: 0, disconnected: false };
    made.push(state);
    return {
      connect: () => Promise.resolve(),
      disconnect: () => {
        state.disconnected = true;
        return Promise.resolve();
      },
      send: () => {
        state.sends += 1;
        return failing(state.index) ? Promise.reject(new Error('The broker received an out of order sequence number')) : Promise.resolve([]);
      },
    } as unknown as Producer;
  };
  return { made, make };
}

describe('renewing producer', () => {
  it('after a failed send, the next send goes out on a new producer and the failed one is disconnected', async () => {
    const { made, make } = fakeProducers((index) => index === 0);
    const producer = createRenewingProducer(make, logger);
    await producer.connect();
    await expect(producer.send(record)).rejects.toThrow('out of order sequence number');
    await expect(producer.send(record)).resolves.toEqual([]);
    expect(made.map((p) => [p.sends, p.disconnected])).toEqual([
      [1, true],
      [1, false],
    ]);
  });

  it('concurrent sends failing on one producer renew it once', async () => {
    const { made, make } = fakeProducers((index) => index === 0);
    const producer = createRenewingProducer(make, logger);
    const outcomes = await Promise.allSettled([producer.send(record), producer.send(record), producer.send(record)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    await producer.send(record);
    await producer.send(record);
    expect(made.map((p) => p.sends)).toEqual([3, 2]);
  });

  it('a failed connect is tried again by the next send; disconnect ends the current producer', async () => {
    let connectCount = 0;
    const disconnected: number[] = [];
    const make = (): Producer => {
      const index = connectCount;
      return {
        connect: () => (++connectCount === 1 ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve()),
        disconnect: () => (disconnected.push(index), Promise.resolve()),
        send: () => Promise.resolve([]),
      } as unknown as Producer;
    };
    const producer = createRenewingProducer(make, logger);
    await expect(producer.send(record)).rejects.toThrow('ECONNREFUSED');
    await expect(producer.send(record)).resolves.toEqual([]);
    await producer.disconnect();
    expect(disconnected).toEqual([1]);
  });
});
