import { createSlots } from './slots';
import { createSseReservations } from './sse-reservations';

describe('SSE stream reservations', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const setup = (slotsMax = 100) => {
    const released: Array<[string, string]> = [];
    const slots = createSlots(slotsMax);
    const reservations = createSseReservations<string>(
      { slots, onRelease: (value, reason) => released.push([value, reason]) },
      { reservationsPerCallerMax: 2, reservationTtlMs: 1_000 },
    );
    return { reservations, slots, released };
  };

  it('finds a token only for the caller that reserved it', () => {
    const { reservations } = setup();
    const outcome = reservations.reserve('alice', (token) => `stream ${token}`);
    if (!outcome.ok) throw new Error('refused');
    expect(outcome.token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(reservations.find(outcome.token, 'alice')).toBe(`stream ${outcome.token}`);
    expect(reservations.find(outcome.token, 'bob')).toBeUndefined();
    expect(reservations.find('unknown', 'alice')).toBeUndefined();
  });

  it('bounds each caller, and holds one process slot per reservation', () => {
    const { reservations, slots } = setup(3);
    expect(reservations.reserve('alice', () => 'a1').ok).toBe(true);
    expect(reservations.reserve('alice', () => 'a2').ok).toBe(true);
    expect(reservations.reserve('alice', () => 'a3')).toEqual({ ok: false, reason: 'caller-limit' });
    expect(reservations.reserve('bob', () => 'b1').ok).toBe(true);
    expect(slots.inUse()).toBe(3);
    expect(reservations.reserve('carol', () => 'c1')).toEqual({ ok: false, reason: 'process-limit' });
    expect(slots.inUse()).toBe(3);
  });

  it("expires a reservation never opened, once, freeing its slot and its caller's count", () => {
    const { reservations, slots, released } = setup();
    const first = reservations.reserve('alice', () => 'a1');
    reservations.reserve('alice', () => 'a2');
    jest.advanceTimersByTime(999);
    expect(reservations.size()).toBe(2);
    jest.advanceTimersByTime(1);
    expect(reservations.size()).toBe(0);
    expect(released).toEqual([
      ['a1', 'expired'],
      ['a2', 'expired'],
    ]);
    expect(slots.inUse()).toBe(0);
    if (first.ok) expect(reservations.find(first.token, 'alice')).toBeUndefined();
    expect(reservations.reserve('alice', () => 'a3').ok).toBe(true);
  });

  it('an opened reservation does not expire; it goes when released, once', () => {
    const { reservations, slots, released } = setup();
    const outcome = reservations.reserve('alice', () => 'a1');
    if (!outcome.ok) throw new Error('refused');
    reservations.opened(outcome.token);
    jest.advanceTimersByTime(60_000);
    expect(reservations.find(outcome.token, 'alice')).toBe('a1');
    reservations.release(outcome.token);
    reservations.release(outcome.token);
    expect(released).toEqual([['a1', 'released']]);
    expect(slots.inUse()).toBe(0);
  });

  it('close() releases everything', () => {
    const { reservations, slots, released } = setup();
    reservations.reserve('alice', () => 'a1');
    reservations.reserve('bob', () => 'b1');
    reservations.close();
    expect(released).toEqual([
      ['a1', 'closed'],
      ['b1', 'closed'],
    ]);
    expect(slots.inUse()).toBe(0);
  });
});
