import { Kafka, logLevel as KafkaLogLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import { ConfigError, isAppError, UnavailableError } from '../core/index.js';
import { topicConfig } from './access.js';
import type { KafkaSasl } from './credentials.js';

export interface KafkaClientConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** SCRAM-SHA-512 credentials of the process's principal (every listener requires them). */
  readonly sasl?: KafkaSasl;
  /** Connection timeout per broker. Default 3 000 ms. */
  readonly connectionTimeoutMs?: number;
  /** Request timeout. Default 30 000 ms. */
  readonly requestTimeoutMs?: number;
}

const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/** kafkajs with its logs routed into pino and bounded client-level retries (ours sit above). */
export function createKafka(config: KafkaClientConfig, logger: Logger): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  const options: KafkaConfig = {
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: config.connectionTimeoutMs ?? 3_000,
    requestTimeout: config.requestTimeoutMs ?? 30_000,
    retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 5 },
    ...(config.sasl === undefined ? {} : { sasl: { ...config.sasl } }),
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        kafkaLogger[levelNames[level] ?? 'info'](rest, message);
      },
  };
  return new Kafka(options);
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitionCount: number;
  readonly retentionMs?: number;
}

/**
 * Creates missing topics; existing topics are left as they are. Topics visible to the principal are
 * "existing": a service that lacks CREATE (every service: the admin principal provisions topics)
 * passes when they were provisioned and fails with a message that says so otherwise.
 */
export async function ensureTopics(kafka: Kafka, topics: readonly TopicSpec[], who: KafkaPrincipalAt): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((spec) => !existing.has(spec.topic));
    if (missing.length === 0) return;
    await admin.createTopics({ waitForLeaders: true, topics: missing.map(topicConfig) }).catch((error: unknown) => {
      if (kafkaFailureKind(error) !== 'authorization') throw error;
      throw new ConfigError(
        `Kafka topic(s) ${missing.map((spec) => spec.topic).join(', ')} missing or not visible to principal '${who.username}', which may not create them: provision topics and ACLs with the admin principal (locally: npm run kafka -- start)`,
      );
    });
  } catch (error: unknown) {
    throw kafkaStartError(error, who);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export type KafkaFailureKind = 'authentication' | 'authorization' | 'other';

/** kafkajs nests the broker's answer (retries, aggregates, causes): find what it was. */
export function kafkaFailureKind(error: unknown, depth = 0): KafkaFailureKind {
  if (depth > 5 || !(error instanceof Error)) return 'other';
  if (error.name === 'KafkaJSSASLAuthenticationError') return 'authentication';
  const type = (error as { type?: unknown }).type;
  if (typeof type === 'string' && type.endsWith('_AUTHORIZATION_FAILED')) return 'authorization';
  if (/not authorized to access|authorization failed/i.test(error.message)) return 'authorization';
  const nested = [
    (error as { cause?: unknown }).cause,
    (error as { originalError?: unknown }).originalError,
    ...(((error as { errors?: unknown }).errors as unknown[] | undefined) ?? []),
  ];
  for (const inner of nested) {
    const kind = kafkaFailureKind(inner, depth + 1);
    if (kind !== 'other') return kind;
  }
  return 'other';
}

/**
 * A start-up failure as an operator needs it: refused credentials and missing permissions are
 * configuration (not retried, named as such); anything else means the broker is unreachable.
 */
export function kafkaStartError(error: unknown, who: KafkaPrincipalAt): Error {
  if (error instanceof ConfigError) return error;
  const kind = kafkaFailureKind(error);
  const principal = `principal '${who.username}'`;
  if (kind === 'authentication')
    return new ConfigError(
      `Kafka at ${who.brokers.join(',')} refused the credentials of ${principal} (SASL/SCRAM-SHA-512): check KAFKA_*_USERNAME and KAFKA_*_PASSWORD`,
    );
  if (kind === 'authorization')
    return new ConfigError(
      `Kafka at ${who.brokers.join(',')} refused an operation to ${principal}: its ACLs are missing (provision them with the admin principal)`,
    );
  if (isAppError(error)) return error;
  return new UnavailableError(`Kafka at ${who.brokers.join(',')} is unreachable`, { cause: error });
}

/** Who was connecting, for start-up error messages (never the password). */
export interface KafkaPrincipalAt {
  readonly username: string;
  readonly brokers: readonly string[];
}
