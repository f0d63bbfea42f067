import { BadUserInputError } from '@walletgraph/platform/core';
import { isUuid } from './validation.js';

/** A position in a list ordered by (createdAt, id). Opaque to clients. */
export interface Cursor {
  readonly createdAt: Date;
  readonly id: string;
}

const CURSOR_TEXT_LENGTH_MAX = 200;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(raw: string | null | undefined): Cursor | undefined {
  if (raw === null || raw === undefined) return undefined;
  const invalid = (): BadUserInputError => new BadUserInputError('after is not a valid cursor', { details: { field: 'after' } });
  if (raw.length > CURSOR_TEXT_LENGTH_MAX || !/^[A-Za-z0-9_-]+={0,2}$/.test(raw)) throw invalid();
  const [iso, id, ...rest] = Buffer.from(raw, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || iso === undefined || !isUuid(id)) throw invalid();
  const createdAt = new Date(iso);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(iso) || Number.isNaN(createdAt.getTime())) throw invalid();
  return { createdAt, id: id.toLowerCase() };
}
