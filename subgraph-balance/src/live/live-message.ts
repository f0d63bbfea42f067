import { z } from 'zod';
import type { BalanceState } from '../store/balance-repository.js';

/** What `balances.live` carries: the committed state of one account. Key = account id. */
export interface LiveBalance {
  readonly accountId: string;
  readonly amount: string;
  readonly version: number;
  readonly updatedAt: Date;
}

const wireSchema = z.object({
  accountId: z.string().uuid(),
  amount: z.string().regex(/^\d{1,15}\.\d{2,4}$/),
  version: z.number().int().min(0).max(2_147_483_647),
  updatedAt: z.string().datetime({ offset: true }),
});

export function encodeLiveBalance(state: BalanceState | LiveBalance): string {
  return JSON.stringify({
    accountId: state.accountId,
    amount: state.amount,
    version: state.version,
    updatedAt: state.updatedAt.toISOString(),
  });
}

/** Parses a live message; undefined for anything malformed (logged and dropped by the caller). */
export function decodeLiveBalance(value: Buffer | null): LiveBalance | undefined {
  if (value === null) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = wireSchema.safeParse(json);
  if (!parsed.success) return undefined;
  return { ...parsed.data, accountId: parsed.data.accountId.toLowerCase(), updatedAt: new Date(parsed.data.updatedAt) };
}
