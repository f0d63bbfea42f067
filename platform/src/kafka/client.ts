import { Kafka, logLevel as KafkaLogLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaClientConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
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

/** Creates missing topics; existing topics are left as they are. */
export async function ensureTopics(kafka: Kafka, topics: readonly TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((spec) => !existing.has(spec.topic));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((spec) => ({
        topic: spec.topic,
        numPartitions: spec.partitionCount,
        replicationFactor: -1,
        configEntries: [
          { name: 'retention.ms', value: String(spec.retentionMs ?? 7 * 24 * 3_600_000) },
          { name: 'cleanup.policy', value: 'delete' },
        ],
      })),
    });
  } finally {
    await admin.disconnect();
  }
}
