import { z } from 'zod';
import { checkProductionSecret, parseEnv } from '../core/index.js';

/**
 * Who talks to Kafka. One SCRAM-SHA-512 principal per service (least privilege, see access.ts),
 * `admin` for topics and ACLs, `observer` (read-only: kafka-ui, test harnesses) and `broker`
 * (inter-broker and controller traffic, the cluster's only super user).
 */
export const KAFKA_PRINCIPALS = ['wallet', 'balance', 'reconciler', 'admin', 'observer', 'broker'] as const;
export type KafkaPrincipal = (typeof KAFKA_PRINCIPALS)[number];

/** What kafkajs needs to authenticate (`sasl` of its client options). */
export interface KafkaSasl {
  readonly mechanism: 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

export interface KafkaAuthConfig {
  readonly sasl: KafkaSasl;
  /** The password variable, when it fell back to the built-in development password. */
  readonly devSecretsUsed: readonly string[];
}

type Upper<P extends KafkaPrincipal> = Uppercase<P>;
export interface KafkaCredentialVariables<P extends KafkaPrincipal> {
  readonly username: `KAFKA_${Upper<P>}_USERNAME`;
  readonly password: `KAFKA_${Upper<P>}_PASSWORD`;
}

/** `KAFKA_<PRINCIPAL>_USERNAME` / `KAFKA_<PRINCIPAL>_PASSWORD`: every process reads the same names. */
export function kafkaCredentialVariables<P extends KafkaPrincipal>(principal: P): KafkaCredentialVariables<P> {
  const upper = principal.toUpperCase() as Upper<P>;
  return { username: `KAFKA_${upper}_USERNAME`, password: `KAFKA_${upper}_PASSWORD` };
}

/** The built-in password of a principal, for local use only: production refuses it (`dev-only-`). */
export function devKafkaPassword(principal: KafkaPrincipal): string {
  return `dev-only-walletgraph-kafka-${principal}-password`;
}

export const KAFKA_USERNAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/**
 * Printable ASCII without quotes, backslash, `$`, `=`, `,`, brackets or spaces: the password is
 * written into a JAAS line (`password="…"`) and into `kafka-storage format --add-scram
 * 'SCRAM-SHA-512=[name=…,password=…]'`, and goes through compose's `${…}` interpolation. Hex and
 * base64url secrets fit.
 */
export const KAFKA_PASSWORD_PATTERN = /^[A-Za-z0-9._~+/!@#%^&*():;<>?|{}-]{1,256}$/;

const usernameField = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((value) => KAFKA_USERNAME_PATTERN.test(value), { message: 'must be 1-64 letters, digits, dots, dashes or underscores' });
const passwordField = () =>
  z
    .string()
    .refine((value) => KAFKA_PASSWORD_PATTERN.test(value), {
      message: 'must be 1-256 printable characters without spaces, quotes, backslashes, $, =, commas or brackets',
    })
    .optional();

export type KafkaCredentialFields<P extends KafkaPrincipal> = Record<KafkaCredentialVariables<P>['username'], ReturnType<typeof usernameField>> &
  Record<KafkaCredentialVariables<P>['password'], ReturnType<typeof passwordField>>;

/** The zod fields of one principal's credentials, spread into a process's environment schema. */
export function kafkaCredentialFields<P extends KafkaPrincipal>(principal: P): KafkaCredentialFields<P> {
  const names = kafkaCredentialVariables(principal);
  return { [names.username]: usernameField(principal), [names.password]: passwordField() } as KafkaCredentialFields<P>;
}

type EnvWithNodeEnv = { readonly NODE_ENV: string };
const read = (env: object, name: string): string | undefined => (env as Record<string, string | undefined>)[name];

/** superRefine part: in production the password must be set, long and not a development value. */
export function refineKafkaCredentials(principal: KafkaPrincipal, env: EnvWithNodeEnv, ctx: z.RefinementCtx): void {
  if (env.NODE_ENV !== 'production') return;
  const name = kafkaCredentialVariables(principal).password;
  checkProductionSecret(name, read(env, name), ctx, true);
}

/** Applies the development default (never reached in production: refineKafkaCredentials refused first). */
export function resolveKafkaAuth(principal: KafkaPrincipal, env: object): KafkaAuthConfig {
  const names = kafkaCredentialVariables(principal);
  const password = read(env, names.password);
  return {
    sasl: { mechanism: 'scram-sha-512', username: read(env, names.username) ?? principal, password: password ?? devKafkaPassword(principal) },
    devSecretsUsed: password === undefined ? [names.password] : [],
  };
}

/**
 * One principal's credentials read from `env` with the services' rules, for scripts and test
 * harnesses (services spread kafkaCredentialFields into their own schema instead). Throws
 * ConfigError naming every problem, never the value.
 */
export function kafkaCredentialsFromEnv(principal: KafkaPrincipal, env: NodeJS.ProcessEnv, who = 'kafka'): KafkaAuthConfig {
  const schema = z
    .object({ NODE_ENV: z.string().default('development'), ...kafkaCredentialFields(principal) })
    .superRefine((parsed, ctx) => refineKafkaCredentials(principal, parsed, ctx));
  return resolveKafkaAuth(principal, parseEnv(who, schema, env));
}
