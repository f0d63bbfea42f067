// Kafka clients of the suite, each as the principal whose rights it needs (the run's credentials
// from the Jest global setup), and a reader of whole topics: what actually reached Kafka.
import { randomUUID } from 'node:crypto';
import { DEFAULT_OBSERVER_GROUP_PREFIX, kafkaCredentialsFromEnv, type KafkaPrincipal } from '@walletgraph/platform/kafka';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';

export interface TopicMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: Buffer | null;
}

const READ_TIMEOUT_MS = 60_000;

/**
 * A client as `principal`: `observer` reads (and describes every group), `wallet` is the only one
 * that may write `balances` (hostile events), `balance` owns the projector's group (offset
 * resets), `reconciler` describes the lag.
 */
export function chaosKafka(brokers: readonly string[], principal: KafkaPrincipal, clientId = `chaos-${principal}`): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2_000 },
    sasl: kafkaCredentialsFromEnv(principal, process.env).sasl,
  });
}

function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return out;
}

/** Every message of `topics` from the log start to the end offsets of the moment of the call. */
export async function readTopics(brokers: readonly string[], topics: readonly string[]): Promise<TopicMessage[]> {
  const kafka = chaosKafka(brokers, 'observer', 'chaos-reader');
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${DEFAULT_OBSERVER_GROUP_PREFIX}chaos-reader-${randomUUID()}`;
  const remaining = new Map<string, number>();
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      if (Number(p.high) > Number(p.low)) remaining.set(`${topic}/${p.partition}`, Number(p.high) - 1);
    }
  }
  const messages: TopicMessage[] = [];
  if (remaining.size === 0) {
    await admin.disconnect();
    return messages;
  }
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const id = `${topic}/${partition}`;
        const last = remaining.get(id);
        if (last === undefined) return;
        if (Number(message.offset) <= last)
          messages.push({ topic, partition, offset: message.offset, headers: textHeaders(message.headers), value: message.value });
        if (Number(message.offset) >= last) remaining.delete(id);
        if (remaining.size === 0) finish();
      },
    });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`reading ${topics.join(', ')} timed out; unread: ${[...remaining.keys()].join(', ')}`)), READ_TIMEOUT_MS).unref(),
    );
    await Promise.race([finished, timeout]);
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return messages;
}
