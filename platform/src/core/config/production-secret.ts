import type { z } from 'zod';

/** The shortest secret production accepts (JWT secrets, the internal identity secret, Kafka passwords). */
export const SECRET_LENGTH_MIN = 32;

/** Production refuses a missing, short or development-only secret (`dev-only-` prefix). */
export function checkProductionSecret(name: string, value: string | undefined, ctx: z.RefinementCtx, required: boolean): void {
  if (value === undefined) {
    if (required) ctx.addIssue({ code: 'custom', path: [name], message: `is required when NODE_ENV=production (at least ${SECRET_LENGTH_MIN} characters)` });
    return;
  }
  if (value.length < SECRET_LENGTH_MIN)
    ctx.addIssue({ code: 'custom', path: [name], message: `must be at least ${SECRET_LENGTH_MIN} characters when NODE_ENV=production` });
  if (value.startsWith('dev-only-')) ctx.addIssue({ code: 'custom', path: [name], message: 'is a development-only value; set a real secret in production' });
}
