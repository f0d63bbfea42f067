import { randomUUID } from 'node:crypto';
import type { Slots } from './slots.js';

export interface SseReservationsConfig {
  /** Reservations (waiting or streaming) one caller may hold at once. */
  readonly reservationsPerCallerMax: number;
  /** How long a reservation waits for its stream to be opened before it is dropped. */
  readonly reservationTtlMs: number;
}

export interface SseReservationsDeps<T> {
  /** The process-wide subscription slots (GATEWAY_SUBSCRIPTIONS_MAX): each reservation holds one. */
  readonly slots: Slots;
  /** Called once per reservation when it goes (stream ended, expired unused, or close()). */
  readonly onRelease: (value: T, reason: 'released' | 'expired' | 'closed') => void;
  readonly onCountChange?: (count: number) => void;
}

export type ReserveOutcome<T> =
  { readonly ok: true; readonly token: string; readonly value: T } | { readonly ok: false; readonly reason: 'caller-limit' | 'process-limit' };

interface Entry<T> {
  readonly callerKey: string;
  readonly value: T;
  expiry: NodeJS.Timeout | undefined;
}

/**
 * graphql-sse single connection mode's stream reservations, each bound to the caller that made it.
 * Bounded three ways: per caller, by the process's subscription slots, and in time (an unused one
 * expires). A token is looked up together with its caller: another caller's token is not found.
 */
export function createSseReservations<T>(deps: SseReservationsDeps<T>, config: SseReservationsConfig) {
  const byToken = new Map<string, Entry<T>>();
  const countByCaller = new Map<string, number>();

  const changeCallerCount = (callerKey: string, delta: number): void => {
    const count = (countByCaller.get(callerKey) ?? 0) + delta;
    if (count <= 0) countByCaller.delete(callerKey);
    else countByCaller.set(callerKey, count);
  };

  function remove(token: string, reason: 'released' | 'expired' | 'closed'): void {
    const entry = byToken.get(token);
    if (entry === undefined) return;
    byToken.delete(token);
    if (entry.expiry !== undefined) clearTimeout(entry.expiry);
    changeCallerCount(entry.callerKey, -1);
    deps.slots.release();
    deps.onCountChange?.(byToken.size);
    deps.onRelease(entry.value, reason);
  }

  return {
    /** `create` builds the reservation's state for its (unguessable) token. */
    reserve(callerKey: string, create: (token: string) => T): ReserveOutcome<T> {
      if ((countByCaller.get(callerKey) ?? 0) >= config.reservationsPerCallerMax) return { ok: false, reason: 'caller-limit' };
      if (!deps.slots.tryAcquire()) return { ok: false, reason: 'process-limit' };
      const token = randomUUID();
      const entry: Entry<T> = { callerKey, value: create(token), expiry: undefined };
      entry.expiry = setTimeout(() => remove(token, 'expired'), config.reservationTtlMs);
      entry.expiry.unref();
      byToken.set(token, entry);
      changeCallerCount(callerKey, 1);
      deps.onCountChange?.(byToken.size);
      return { ok: true, token, value: entry.value };
    },
    /** The reservation of `token` if `callerKey` made it; another caller's looks exactly like an unknown one. */
    find(token: string, callerKey: string): T | undefined {
      const entry = byToken.get(token);
      return entry !== undefined && entry.callerKey === callerKey ? entry.value : undefined;
    },
    /** Its stream is open: it no longer expires, it lives as long as the stream. */
    opened(token: string): void {
      const entry = byToken.get(token);
      if (entry?.expiry === undefined) return;
      clearTimeout(entry.expiry);
      entry.expiry = undefined;
    },
    release(token: string): void {
      remove(token, 'released');
    },
    size: (): number => byToken.size,
    close(): void {
      for (const token of [...byToken.keys()]) remove(token, 'closed');
    },
  };
}

export type SseReservations<T> = ReturnType<typeof createSseReservations<T>>;
