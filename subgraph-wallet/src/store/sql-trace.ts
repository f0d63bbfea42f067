import { inChildSpan, SpanKind } from '@walletgraph/platform/tracing';

/** Longest SQL text put on a span (the statements are constants with `?` placeholders: no values). */
const SQL_TEXT_LENGTH_MAX = 2_000;

/** A CLIENT span for one round trip of a unit of work (its statements, never their values). */
export function inSqlSpan<T>(statements: readonly { readonly sql: string }[], work: () => Promise<T>): Promise<T> {
  const first = statements[0]?.sql.trimStart().split(/\s+/, 1)[0]?.toUpperCase() ?? 'SQL';
  return inChildSpan(
    statements.length === 1 ? first : `${first} +${statements.length - 1}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'mariadb',
        'db.query.text': statements
          .map((s) => s.sql)
          .join(';\n')
          .slice(0, SQL_TEXT_LENGTH_MAX),
        'db.operation.batch.size': statements.length,
      },
    },
    work,
  );
}

/** The COMMIT of a unit of work, and the unit of work itself (one span per attempt). */
export const inCommitSpan = <T>(work: () => Promise<T>): Promise<T> =>
  inChildSpan('COMMIT', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'mariadb' } }, work);
export const inTransactionSpan = <T>(work: () => Promise<T>): Promise<T> => inChildSpan('unit of work', {}, work);
