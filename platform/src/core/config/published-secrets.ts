/** Built-in token secrets for local use only (npm start, tests); production refuses them. */
export const DEV_AUTH_JWT_SECRET = 'dev-only-walletgraph-user-jwt-secret-do-not-deploy';
export const DEV_INTERNAL_AUTH_SECRET = 'dev-only-walletgraph-internal-secret-do-not-deploy';

/**
 * Every secret value this repository has shipped as a default: the built-in development secrets
 * and what docker-compose.yml and .env.example once defaulted to. Anyone can read them, so with
 * NODE_ENV=production no variable may hold one, nor may a URL carry one as its password.
 * A new development default (a Kafka password, say) belongs here the day it is added.
 */
export const PUBLISHED_SECRETS: ReadonlySet<string> = new Set([
  DEV_AUTH_JWT_SECRET,
  DEV_INTERNAL_AUTH_SECRET,
  'local-compose-user-token-secret-change-me',
  'local-compose-internal-secret-change-me',
  'walletgraph-local',
  // The Kafka principals' development passwords (kafka/credentials.ts devKafkaPassword; a test keeps them equal).
  ...['wallet', 'balance', 'reconciler', 'admin', 'observer', 'broker'].map((principal) => `dev-only-walletgraph-kafka-${principal}-password`),
]);

/** The password of a `scheme://user:password@host…` URL, decoded; undefined when there is none. */
function urlPassword(value: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^/@]*)@/i.exec(value);
  if (match?.[1] === undefined || match[1] === '') return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

/** True when `value` is a published secret, or a URL whose password is one. */
export function isPublishedSecret(value: string): boolean {
  if (PUBLISHED_SECRETS.has(value)) return true;
  const password = urlPassword(value);
  return password !== undefined && PUBLISHED_SECRETS.has(password);
}
