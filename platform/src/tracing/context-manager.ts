import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, trace, type Context, type ContextManager } from '@opentelemetry/api';

/** A ContextManager's `bind`: `target` runs inside `context` through `manager.with`, with its caller's `this`. */
function bindThrough<T>(manager: Pick<ContextManager, 'with'>, context: Context, target: T): T {
  if (typeof target !== 'function') return target;
  const fn = target as unknown as (...args: unknown[]) => unknown;
  return function bound(this: unknown, ...args: unknown[]) {
    return manager.with(context, () => fn.apply(this, args));
  } as unknown as T;
}

/**
 * OpenTelemetry's context manager for a process that samples a small share of its requests
 * (WALLETGRAPH_TRACING_CONTEXT=recorded-only, the gateway's default before `explicit`):
 * AsyncLocalStorage only while a recorded span is open, none the rest of the time.
 *
 * Why: on Node 20 an active AsyncLocalStorage keeps async_hooks' promise hooks on, and then every
 * promise of every request pays them (init, before, after: the gateway's federated read creates
 * thousands of promises). The stock manager turns them on at the first `context.with` (Apollo
 * Gateway calls it for every request, sampled or not) and never off: tracing at 1 % cost the
 * gateway +28 % CPU per read. Here:
 * - `with(context, fn)` for a context without a recording span, while no recorded span is open,
 *   runs `fn` as is: an unsampled request does no context work at all, and `active()` is the root
 *   context (a child span then has no parent: Apollo Gateway's INTERNAL spans are not recorded
 *   without one, see the entry-points sampler). The decision still travels downstream: the
 *   request's `traceparent` header carries the unsampled server span (see http/server-span.ts).
 * - A context with a recording span turns AsyncLocalStorage on: from then on it behaves as the
 *   stock manager, for every request, until the last recorded span of the process ended
 *   (`spanProcessor` counts them); then it is turned off again (Node then drops the hooks).
 *
 * A context without a span that is entered while nothing is recorded is not kept (tracing
 * suppression, baggage): this repository uses neither in a process that runs this manager.
 */
export class RecordingScopeContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  /** Recorded spans started and not yet ended, in this process. */
  private openRecordedSpans = 0;
  private storageOn = false;
  private enabled = false;

  /** Counts the recorded spans open (register it with the provider's span processors). */
  readonly spanProcessor = {
    onStart: (): void => {
      this.openRecordedSpans += 1;
    },
    onEnd: (): void => {
      this.openRecordedSpans -= 1;
      if (this.openRecordedSpans <= 0) {
        this.openRecordedSpans = 0;
        this.turnStorageOff();
      }
    },
    forceFlush: (): Promise<void> => Promise.resolve(),
    shutdown: (): Promise<void> => Promise.resolve(),
  };

  /** Whether AsyncLocalStorage is on now (for tests). */
  get storageActive(): boolean {
    return this.storageOn;
  }

  active(): Context {
    return this.storageOn ? (this.storage.getStore() ?? ROOT_CONTEXT) : ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    if (!this.storageOn) {
      if (!this.enabled || trace.getSpan(context)?.isRecording() !== true) return fn.apply(thisArg, args);
      this.storageOn = true;
    }
    return this.storage.run(context, () => fn.apply(thisArg, args));
  }

  bind<T>(context: Context, target: T): T {
    return bindThrough(this, context, target);
  }

  enable(): this {
    this.enabled = true;
    return this;
  }

  disable(): this {
    this.enabled = false;
    this.turnStorageOff();
    return this;
  }

  private turnStorageOff(): void {
    if (!this.storageOn) return;
    this.storageOn = false;
    // Node drops async_hooks' promise hooks once no AsyncLocalStorage is on.
    this.storage.disable();
  }
}

/**
 * OpenTelemetry's context manager for a process that passes every span's parent itself
 * (`WALLETGRAPH_TRACING_CONTEXT=explicit`, the gateway): `with(context, fn)` makes `context` active
 * while `fn` runs synchronously, and nothing follows async work. No AsyncLocalStorage, so Node 20's
 * async_hooks promise hooks stay off whatever is sampled; `active()` after an `await` is the root
 * context. Libraries that find their parent with `active()` (Apollo Gateway's own spans) are
 * silenced in such a process (sdk.ts: only the `walletgraph` tracer records), and log lines get
 * their trace fields from the request's logger (see the gateway's request context).
 */
export class SynchronousContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;

  active(): Context {
    return this.current;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const previous = this.current;
    this.current = context;
    try {
      return fn.apply(thisArg, args);
    } finally {
      this.current = previous;
    }
  }

  bind<T>(context: Context, target: T): T {
    return bindThrough(this, context, target);
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}
