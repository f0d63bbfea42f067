import { z } from 'zod';
import { checkProductionSecret, DEV_AUTH_JWT_SECRET, DEV_INTERNAL_AUTH_SECRET, envField } from '../core/index.js';
import type { UserTokenConfig } from './tokens.js';

/** Secrets shorter than this are refused in production (HS256 wants ≥ 256 bits). */
export const DEFAULT_AUTH_ISSUER = 'walletgraph-dev';
export const DEFAULT_AUTH_AUDIENCE = 'walletgraph';

/** The environment variables every process that verifies tokens reads (spread into its zod schema). */
export const authEnvFields = {
  NODE_ENV: z.string().default('development'),
  AUTH_JWT_SECRET: z.string().min(1).optional(),
  AUTH_JWKS_URL: z
    .string()
    .refine((value) => /^https?:\/\/\S+$/.test(value), { message: 'must be an http(s) URL of a JWKS document' })
    .optional(),
  AUTH_ISSUER: z.string().min(1).max(512).default(DEFAULT_AUTH_ISSUER),
  AUTH_AUDIENCE: z.string().min(1).max(512).default(DEFAULT_AUTH_AUDIENCE),
  AUTH_CLOCK_TOLERANCE_SEC: z.coerce.number().int().min(0).max(300).default(5),
  INTERNAL_AUTH_SECRET: z.string().min(1).optional(),
  WALLETGRAPH_DEV_MODE: envField.bool(false),
};

type AuthEnvInput = {
  NODE_ENV: string;
  AUTH_JWT_SECRET?: string | undefined;
  AUTH_JWKS_URL?: string | undefined;
  INTERNAL_AUTH_SECRET?: string | undefined;
  WALLETGRAPH_DEV_MODE: boolean;
};

/** superRefine for a schema spreading authEnvFields: production needs real secrets and no dev mode. */
export function refineAuthEnv(env: AuthEnvInput, ctx: z.RefinementCtx): void {
  if (env.AUTH_JWT_SECRET !== undefined && env.AUTH_JWKS_URL !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['AUTH_JWT_SECRET'], message: 'set either AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL, not both' });
  }
  if (env.NODE_ENV !== 'production') return;
  if (env.WALLETGRAPH_DEV_MODE) ctx.addIssue({ code: 'custom', path: ['WALLETGRAPH_DEV_MODE'], message: 'must not be true when NODE_ENV=production' });
  checkProductionSecret('INTERNAL_AUTH_SECRET', env.INTERNAL_AUTH_SECRET, ctx, true);
  if (env.AUTH_JWKS_URL === undefined) checkProductionSecret('AUTH_JWT_SECRET', env.AUTH_JWT_SECRET, ctx, true);
}

export interface AuthConfig {
  readonly user: UserTokenConfig;
  readonly internalSecret: string;
  /** WALLETGRAPH_DEV_MODE: old REST routes open, playground prefilled with an admin token. */
  readonly devMode: boolean;
  /** Names of variables that fell back to a built-in development secret (logged as a warning at start). */
  readonly devSecretsUsed: readonly string[];
}

type ParsedAuthEnv = AuthEnvInput & { AUTH_ISSUER: string; AUTH_AUDIENCE: string; AUTH_CLOCK_TOLERANCE_SEC: number };

/** Applies the development defaults (never reached in production: refineAuthEnv refused first). */
export function resolveAuthConfig(env: ParsedAuthEnv): AuthConfig {
  const devSecretsUsed: string[] = [];
  let jwtSecret = env.AUTH_JWT_SECRET;
  if (jwtSecret === undefined && env.AUTH_JWKS_URL === undefined) {
    jwtSecret = DEV_AUTH_JWT_SECRET;
    devSecretsUsed.push('AUTH_JWT_SECRET');
  }
  let internalSecret = env.INTERNAL_AUTH_SECRET;
  if (internalSecret === undefined) {
    internalSecret = DEV_INTERNAL_AUTH_SECRET;
    devSecretsUsed.push('INTERNAL_AUTH_SECRET');
  }
  return {
    user: { jwtSecret, jwksUrl: env.AUTH_JWKS_URL, issuer: env.AUTH_ISSUER, audience: env.AUTH_AUDIENCE, clockToleranceSec: env.AUTH_CLOCK_TOLERANCE_SEC },
    internalSecret,
    devMode: env.WALLETGRAPH_DEV_MODE,
    devSecretsUsed,
  };
}

/**
 * The start-up warning every process logs when it runs on built-in secrets (token secrets, Kafka
 * passwords: every config part that records the variables it defaulted).
 */
export function devSecretsWarning(
  ...configs: ReadonlyArray<{ readonly devSecretsUsed: readonly string[] }>
): { readonly variables: readonly string[]; readonly message: string } | undefined {
  const variables = configs.flatMap((config) => config.devSecretsUsed);
  if (variables.length === 0) return undefined;
  return { variables, message: 'using built-in development secrets; set them for anything but local use' };
}
