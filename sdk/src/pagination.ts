import type { AccountTransactionsQuery, TransactionFieldsFragment } from './generated/graphql.js';

type Connection = NonNullable<AccountTransactionsQuery['account']>['transactions'];
export type TransactionPage = Connection;
export type Transaction = TransactionFieldsFragment;

export interface TransactionsOptions {
  /** Edges per request (the API accepts 1..100). Default 20. */
  readonly pageSize?: number;
  /** Stop after this many pages even if the server reports more. Default 1 000. */
  readonly pageCountMax?: number;
}

/** Iterates transactions one by one (`for await`), or page by page with `pages()`. */
export interface TransactionIterable extends AsyncIterable<Transaction> {
  pages(): AsyncIterable<TransactionPage>;
}

export const pageSizeDefault = 20;
export const pageSizeMax = 100;
const pageCountMaxDefault = 1_000;

/** Walks a cursor connection; `fetchPage(after)` returns one page. */
export function paginate(fetchPage: (first: number, after: string | null) => Promise<TransactionPage>, options: TransactionsOptions = {}): TransactionIterable {
  const pageSize = options.pageSize ?? pageSizeDefault;
  const pageCountMax = options.pageCountMax ?? pageCountMaxDefault;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > pageSizeMax)
    throw new RangeError(`pageSize must be an integer in 1..${pageSizeMax}, got ${pageSize}`);
  if (!Number.isInteger(pageCountMax) || pageCountMax < 1) throw new RangeError(`pageCountMax must be an integer ≥ 1, got ${pageCountMax}`);

  async function* pages(): AsyncGenerator<TransactionPage> {
    let after: string | null = null;
    for (let pageIndex = 0; pageIndex < pageCountMax; pageIndex += 1) {
      const page = await fetchPage(pageSize, after);
      yield page;
      if (!page.pageInfo.hasNextPage) return;
      const next = page.pageInfo.endCursor;
      // A server that reports more pages but gives no new cursor would loop forever.
      if (next === null || next === after) throw new Error(`pagination stalled: hasNextPage with cursor ${String(next)}`);
      after = next;
    }
  }

  return {
    pages,
    async *[Symbol.asyncIterator]() {
      for await (const page of pages()) {
        for (const edge of page.edges) yield edge.node;
      }
    },
  };
}
