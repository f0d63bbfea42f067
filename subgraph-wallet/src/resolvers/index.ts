import { assert } from '@walletgraph/platform/core';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import { decodeCursor, encodeCursor } from '../domain/cursor.js';
import { isUuid, parsePageSize, parseUuid } from '../domain/validation.js';
import type { AccountRecord, ClientRecord, TransactionRecord } from '../store/records.js';
import {
  assertAccountDetailsVisible,
  assertMayCreateAccount,
  assertMayCreateClient,
  assertMayDeposit,
  assertMayTransferFrom,
  ownClientPage,
  visibleAccount,
  visibleClient,
  visibleTransaction,
  ownsAccount,
} from '../auth/policy.js';
import type { WalletContext } from './context.js';
import { DateTimeScalar, DecimalScalar } from './scalars.js';

async function mayKnowVersion(ctx: WalletContext, accountId: string): Promise<boolean> {
  if (ctx.identity.role !== 'client') return true;
  const account = await ctx.loaders.account.load(accountId);
  return account !== null && ownsAccount(ctx.identity, account);
}

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

const accountLoader = (ctx: WalletContext) => (id: string) => ctx.loaders.account.load(id);

/** Every read and write asks the policy (auth/policy.ts) first; resolvers stay thin. */
export const resolvers: GraphQLResolverMap<WalletContext> = {
  Decimal: DecimalScalar,
  DateTime: DateTimeScalar,
  Query: {
    client: async (_: unknown, args: { id: string }, ctx: WalletContext) =>
      visibleClient(ctx.identity, await ctx.loaders.client.load(parseUuid(args.id, 'id'))),
    account: async (_: unknown, args: { id: string }, ctx: WalletContext) =>
      visibleAccount(ctx.identity, await ctx.loaders.account.load(parseUuid(args.id, 'id'))),
    transaction: async (_: unknown, args: { id: string }, ctx: WalletContext) =>
      visibleTransaction(ctx.identity, await ctx.loaders.transaction.load(parseUuid(args.id, 'id')), accountLoader(ctx)),
    clients: async (_: unknown, args: PageArgs, ctx: WalletContext) => {
      const limit = parsePageSize(args.first);
      const after = decodeCursor(args.after);
      if (ctx.identity.role === 'client') return toConnection(ownClientPage(await ctx.loaders.client.load(ctx.identity.clientId), after), limit);
      const rows = await ctx.queries.clientPage(limit + 1, after);
      for (const row of rows) ctx.loaders.client.prime(row.id, row);
      return toConnection(rows, limit);
    },
  },
  Mutation: {
    createClient: (_: unknown, args: { input: { name: unknown; email: unknown } }, ctx: WalletContext) => {
      assertMayCreateClient(ctx.identity);
      return ctx.useCases.createClient(args.input);
    },
    createAccount: (_: unknown, args: { input: { clientId: unknown } }, ctx: WalletContext) => {
      assertMayCreateAccount(ctx.identity, args.input.clientId);
      return ctx.useCases.createAccount(args.input, ctx.meta);
    },
    deposit: (_: unknown, args: { input: { accountId: unknown; amount: unknown; idempotencyKey: unknown } }, ctx: WalletContext) => {
      assertMayDeposit(ctx.identity);
      return ctx.useCases.deposit(args.input, ctx.meta);
    },
    createTransaction: async (
      _: unknown,
      args: { input: { accountIdFrom: unknown; accountIdTo: unknown; amount: unknown; idempotencyKey: unknown } },
      ctx: WalletContext,
    ) => {
      await assertMayTransferFrom(ctx.identity, args.input.accountIdFrom, accountLoader(ctx));
      return ctx.useCases.transfer(args.input, ctx.meta);
    },
  },
  Client: {
    // Entity references (from the gateway) obey the same rules as Query.client / Query.account.
    __resolveReference: (ref: { id: unknown }, ctx: WalletContext) =>
      reference(ref.id, async (id) => visibleClient(ctx.identity, await ctx.loaders.client.load(id))),
    accounts: (client: ClientRecord, _: unknown, ctx: WalletContext) => ctx.loaders.accountsByClient.load(client.id),
  },
  Account: {
    __resolveReference: (ref: { id: unknown }, ctx: WalletContext) =>
      reference(ref.id, async (id) => visibleAccount(ctx.identity, await ctx.loaders.account.load(id))),
    client: (account: AccountRecord, _: unknown, ctx: WalletContext) => {
      assertAccountDetailsVisible(ctx.identity, account, 'client');
      return required(ctx.loaders.client.load(account.clientId), 'client');
    },
    createdAt: (account: AccountRecord, _: unknown, ctx: WalletContext) => {
      assertAccountDetailsVisible(ctx.identity, account, 'createdAt');
      return account.createdAt;
    },
    version: (account: AccountRecord, _: unknown, ctx: WalletContext) => {
      assertAccountDetailsVisible(ctx.identity, account, 'version');
      return account.version;
    },
    transactions: async (account: AccountRecord, args: PageArgs, ctx: WalletContext) => {
      assertAccountDetailsVisible(ctx.identity, account, 'transactions');
      const limit = parsePageSize(args.first);
      const after = args.after ?? undefined;
      decodeCursor(after); // reject a bad cursor with BAD_USER_INPUT before batching
      const rows = await ctx.loaders.transactionPage.load({ accountId: account.id, limit: limit + 1, after });
      return toConnection(rows, limit);
    },
  },
  Transaction: {
    __resolveReference: (ref: { id: unknown }, ctx: WalletContext) =>
      reference(ref.id, async (id) => visibleTransaction(ctx.identity, await ctx.loaders.transaction.load(id), accountLoader(ctx))),
    // A counterparty account is returned (its id is part of the transaction); its details are guarded on Account.
    accountFrom: (t: TransactionRecord, _: unknown, ctx: WalletContext) => required(ctx.loaders.account.load(t.accountIdFrom), 'account'),
    accountTo: (t: TransactionRecord, _: unknown, ctx: WalletContext) => required(ctx.loaders.account.load(t.accountIdTo), 'account'),
    // A side's version tells how often that account changed: only its owner (or staff) sees it; the counterparty gets null.
    balanceVersionFrom: async (t: TransactionRecord, _: unknown, ctx: WalletContext) => ((await mayKnowVersion(ctx, t.accountIdFrom)) ? t.versionFrom : null),
    balanceVersionTo: async (t: TransactionRecord, _: unknown, ctx: WalletContext) => ((await mayKnowVersion(ctx, t.accountIdTo)) ? t.versionTo : null),
  },
};
