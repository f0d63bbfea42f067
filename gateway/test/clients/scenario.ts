// The scenario every third-party client runs against the real stack: a query, a mutation and a live
// balanceUpdated, as a client (role `client`) acting on its own accounts. A client under test is one
// entry in clients.ts; it is used with its default settings and only the bearer token added.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface Endpoints {
  /** http://…/graphql */
  readonly url: string;
  /** ws://…/graphql */
  readonly wsUrl: string;
}

export interface EventResult {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: ReadonlyArray<{ readonly message: string; readonly extensions?: Record<string, unknown> }>;
}

/** A live subscription whose events the scenario awaits one at a time. */
export interface Live {
  next(timeoutMs: number): Promise<EventResult>;
  close(): Promise<void>;
}

/** One client library, opened as one user: queries and mutations resolve to `data` or reject. */
export interface Session {
  query(document: string, variables: Record<string, unknown>): Promise<Record<string, unknown>>;
  mutate(document: string, variables: Record<string, unknown>): Promise<Record<string, unknown>>;
  subscribe(document: string, variables: Record<string, unknown>): Live;
  close(): Promise<void>;
}

export interface ClientUnderTest {
  /** What the compatibility table calls it. */
  readonly name: string;
  /** The npm packages whose versions the table reports. */
  readonly packages: readonly string[];
  /** Queries and mutations / subscriptions. */
  readonly transport: string;
  open(endpoints: Endpoints, token: string): Session;
}

export const accountQuery = 'query AccountOverview($id: ID!) { account(id: $id) { id client { name } } }';
export const transferMutation = 'mutation Transfer($input: CreateTransactionInput!) { createTransaction(input: $input) { id amount } }';
export const balanceSubscription =
  'subscription BalanceWatch($id: ID!) { balanceUpdated(accountId: $id) { accountId amount version account { id client { name } } } }';

/** A sink-fed Live: events queue until read; an error or completion ends it. */
export function createLive(unsubscribe: () => void | Promise<void>): Live & { push(event: EventResult): void; fail(error: unknown): void; complete(): void } {
  const events: EventResult[] = [];
  const waiters: Array<{ resolve(event: EventResult): void; reject(error: unknown): void }> = [];
  let ended: { error: unknown } | undefined;
  const settle = (): void => {
    while (waiters.length > 0 && (events.length > 0 || ended !== undefined)) {
      const waiter = waiters.shift();
      const event = events.shift();
      if (event !== undefined) waiter?.resolve(event);
      else waiter?.reject(ended?.error ?? new Error('the subscription ended'));
    }
  };
  return {
    push(event) {
      events.push(event);
      settle();
    },
    fail(error) {
      ended = { error };
      settle();
    },
    complete() {
      ended = { error: new Error('the subscription completed') };
      settle();
    },
    next(timeoutMs) {
      return new Promise<EventResult>((resolve, reject) => {
        const timer = setTimeout(() => {
          const index = waiters.indexOf(waiter);
          if (index >= 0) waiters.splice(index, 1);
          reject(new Error(`no subscription event within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = {
          resolve: (event: EventResult) => {
            clearTimeout(timer);
            resolve(event);
          },
          reject: (error: unknown) => {
            clearTimeout(timer);
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        };
        waiters.push(waiter);
        settle();
      });
    },
    close: async () => {
      await unsubscribe();
    },
  };
}

/** The installed version of a package (read from the nearest node_modules, as Node resolves it). */
export function installedVersion(name: string): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      if (path.dirname(dir) === dir) return 'unknown';
    }
  }
}
