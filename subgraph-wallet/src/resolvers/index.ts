import { assert } from '@walletgraph/platform';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import { decodeCursor, encodeCursor } from '../domain/cursor.js';
import { isUuid, parsePageSize, parseUuid } from '../domain/validation.js';
import type { AccountRecord, ClientRecord, TransactionRecord } from '../store/records.js';
import type { WalletContext } from './context.js';
import { DateTimeScalar, DecimalScalar } from './scalars.js';

interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** `rows` holds up to limit + 1 items; the extra one only says there is a next page. */
function toConnection<T extends { id: string; createdAt: Date }>(rows: readonly T[], limit: number): Connection<T> {
  const edges = rows.slice(0, limit).map((node) => ({ cursor: encodeCursor(node), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** Entity references from the gateway: a malformed id is simply not an entity here. */
async function reference<T>(id: unknown, load: (id: string) => Promise<T | null>): Promise<T | null> {
  return isUuid(id) ? load(id.toLowerCase()) : null;
}

async function required<T>(promise: Promise<T | null>, what: string): Promise<T> {
  const value = await promise;
  assert(value !== null, `${what} referenced by a stored row is missing`);
  return value;
}

export const resolvers: GraphQLResolverMap<WalletContext> = {
  Decimal: DecimalScalar,
  DateTime: DateTimeScalar,
  Query: {
    client: (_: unknown, args: { id: string }, ctx: WalletContext) => ctx.loaders.client.load(parseUuid(args.id, 'id')),
    account: (_: unknown, args: { id: string }, ctx: WalletContext) => ctx.loaders.account.load(parseUuid(args.id, 'id')),
    transaction: (_: unknown, args: { id: string }, ctx: WalletContext) => ctx.loaders.transaction.load(parseUuid(args.id, 'id')),
    clients: async (_: unknown, args: PageArgs, ctx: WalletContext) => {
      const limit = parsePageSize(args.first);
      const rows = await ctx.queries.clientPage(limit + 1, decodeCursor(args.after));
      for (const row of rows) ctx.loaders.client.prime(row.id, row);
      return toConnection(rows, limit);
    },
  },
  Mutation: {
    createClient: (_: unknown, args: { input: { name: unknown; email: unknown } }, ctx: WalletContext) => ctx.useCases.createClient(args.input),
    createAccount: (_: unknown, args: { input: { clientId: unknown } }, ctx: WalletContext) => ctx.useCases.createAccount(args.input, ctx.meta),
    deposit: (_: unknown, args: { input: { accountId: unknown; amount: unknown; idempotencyKey: unknown } }, ctx: WalletContext) =>
      ctx.useCases.deposit(args.input, ctx.meta),
    createTransaction: (
      _: unknown,
      args: { input: { accountIdFrom: unknown; accountIdTo: unknown; amount: unknown; idempotencyKey: unknown } },
      ctx: WalletContext,
    ) => ctx.useCases.transfer(args.input, ctx.meta),
  },
  Client: {
    __resolveReference: (ref: { id: unknown }, ctx: WalletContext) => reference(ref.id, (id) => ctx.loaders.client.load(id)),
    accounts: (client: ClientRecord, _: unknown, ctx: WalletContext) => ctx.loaders.accountsByClient.load(client.id),
  },
  Account: {
    __resolveReference: (ref: { id: unknown }, ctx: WalletContext) => reference(ref.id, (id) => ctx.loaders.account.load(id)),
    client: (account: AccountRecord, _: unknown, ctx: WalletContext) => required(ctx.loaders.client.load(account.clientId), 'client'),
    transactions: async (account: AccountRecord, args: PageArgs, ctx: WalletContext) => {
      const limit = parsePageSize(args.first);
      const after = args.after ?? undefined;
      decodeCursor(after); // reject a bad cursor with BAD_USER_INPUT before batching
      const rows = await ctx.loaders.transactionPage.load({ accountId: account.id, limit: limit + 1, after });
      return toConnection(rows, limit);
    },
  },
  Transaction: {
    __resolveReference: (ref: { id: unknown }, ctx: WalletContext) => reference(ref.id, (id) => ctx.loaders.transaction.load(id)),
    accountFrom: (t: TransactionRecord, _: unknown, ctx: WalletContext) => required(ctx.loaders.account.load(t.accountIdFrom), 'account'),
    accountTo: (t: TransactionRecord, _: unknown, ctx: WalletContext) => required(ctx.loaders.account.load(t.accountIdTo), 'account'),
  },
};
