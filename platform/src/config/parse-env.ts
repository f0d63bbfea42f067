import { z } from 'zod';
import { ConfigError } from '../errors/index.js';

/**
 * Parses the environment once at boot. Every problem is listed in one message so an operator
 * fixes them all at once; the caller exits non-zero on ConfigError.
 */
export function parseEnv<S extends z.ZodType>(service: string, schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    return `  ${name}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration for ${service}:\n${problems.join('\n')}`);
}

/** Shared field builders so every process names and validates variables the same way. */
export const envField = {
  port: (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback),
  positiveInt: (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce.number().int().positive().max(max).default(fallback),
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
      .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
      .refine((brokers) => brokers.length > 0 && brokers.every((b) => /^[^:\s]+:\d+$/.test(b)), {
        message: 'must be a comma-separated list of host:port',
      }),
  topic: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .refine((value) => /^[A-Za-z0-9._-]{1,249}$/.test(value), { message: 'is not a valid Kafka topic name' }),
};
