import { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { ENV_FILE_SUFFIX, resolveEnvFiles } from './env-files.js';
import { isPublishedSecret } from './published-secrets.js';

/** The variables a schema reads: the keys of its object (through refinements and transforms). */
export function schemaVariables(schema: z.ZodType): string[] {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodPipe) return schemaVariables(schema.in as z.ZodType);
  return [];
}

/**
 * Parses the environment once at boot. Every problem is listed in one message so an operator
 * fixes them all at once; the caller exits non-zero on ConfigError.
 *
 * Every variable the schema reads may instead come from a file, `NAME_FILE=/path` (see
 * env-files.ts). With NODE_ENV=production a value this repository publishes as a default
 * (published-secrets.ts) is refused in any variable, so a copied example can never go live.
 */
export function parseEnv<S extends z.ZodType>(service: string, schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const variables = schemaVariables(schema);
  const resolved = resolveEnvFiles(env, variables);
  const result = schema.safeParse(resolved.env);
  const problems = resolved.problems.map((problem) => `  ${problem.variable}: ${problem.message}`);
  // One problem per variable: an unreadable NAME_FILE is the cause of "NAME is required".
  const named = new Set(resolved.problems.map((problem) => problem.variable.slice(0, -ENV_FILE_SUFFIX.length)));
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = issue.path.join('.') || '(environment)';
      if (named.has(String(issue.path[0]))) continue;
      problems.push(`  ${name}: ${issue.message}`);
    }
    for (const issue of result.error.issues) named.add(String(issue.path[0]));
  }
  if (resolved.env['NODE_ENV'] === 'production') {
    for (const name of variables) {
      const value = resolved.env[name];
      if (named.has(name) || value === undefined || !isPublishedSecret(value)) continue;
      const source = resolved.fromFiles.includes(name) ? ` (read from ${name}${ENV_FILE_SUFFIX})` : '';
      problems.push(`  ${name}: holds a secret published in the walletgraph repository${source}; set one of your own`);
    }
  }
  if (result.success && problems.length === 0) return result.data;
  throw new ConfigError(`invalid configuration for ${service}:\n${problems.join('\n')}`);
}

/** Shared field builders so every process names and validates variables the same way. */
export const envField = {
  port: (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback),
  positiveInt: (fallback: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().positive().max(max).default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(fallback ? 'true' : 'false')
      .transform((value) => value === 'true' || value === '1' || value === 'yes'),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  mysqlUrl: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .refine((value) => /^(mysql|mariadb):\/\/[^/]+\/[A-Za-z0-9_]+/.test(value), {
        message: 'must look like mysql://user:password@host:3306/database',
      }),
  kafkaBrokers: () =>
    z
      .string()
      .default('127.0.0.1:9092')
      .transform((value) =>
        value
          .split(',')
          .map((broker) => broker.trim())
          .filter(Boolean),
      )
      .refine((brokers) => brokers.length > 0 && brokers.every((b) => /^[^:\s]+:\d+$/.test(b)), {
        message: 'must be a comma-separated list of host:port',
      }),
  topic: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .refine((value) => /^[A-Za-z0-9._-]{1,249}$/.test(value), { message: 'is not a valid Kafka topic name' }),
};
