import { kafkaFailureKind } from '@walletgraph/platform/kafka';
import type { Admin } from 'kafkajs';

export interface PartitionLag {
  readonly partition: number;
  /** Next offset to be written (high watermark). */
  readonly endOffset: number;
  /** Committed offset of the group, or null when the group never committed on this partition. */
  readonly committedOffset: number | null;
  readonly lag: number;
}

export type ConsumerLag =
  | {
      readonly available: true;
      readonly topic: string;
      readonly groupId: string;
      readonly topicExists: boolean;
      readonly totalLag: number;
      readonly partitions: readonly PartitionLag[];
    }
  | { readonly available: false; readonly topic: string; readonly groupId: string; readonly error: string };

/** Messages the group has not committed yet: high watermark minus committed offset (or log start). */
export function partitionLag(partition: number, high: string, low: string, committed: string): PartitionLag {
  const endOffset = Number(high);
  const startOffset = Number(low);
  const committedNumber = Number(committed);
  const hasCommit = Number.isFinite(committedNumber) && committedNumber >= 0;
  const consumedTo = hasCommit ? Math.max(committedNumber, startOffset) : startOffset;
  return { partition, endOffset, committedOffset: hasCommit ? committedNumber : null, lag: Math.max(0, endOffset - consumedTo) };
}

/** Lag of one consumer group on one topic; a missing topic has no lag (nothing was ever published). */
export async function consumerLag(admin: Admin, groupId: string, topic: string): Promise<ConsumerLag> {
  try {
    const topics = await admin.listTopics();
    // Metadata lists only the topics this principal may describe: absent may mean "not allowed",
    // which must not read as "nothing was ever published" (zero lag).
    if (!topics.includes(topic) && !(await describable(admin, topic))) {
      return {
        available: false,
        topic,
        groupId,
        error: `not authorized to describe topic ${topic} (the reconciler principal needs DESCRIBE on it and on group ${groupId})`,
      };
    }
    if (!topics.includes(topic)) return { available: true, topic, groupId, topicExists: false, totalLag: 0, partitions: [] };
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committedByPartition = new Map((committed?.partitions ?? []).map((p) => [p.partition, p.offset]));
    const partitions = ends
      .map((end) => partitionLag(end.partition, end.high, end.low, committedByPartition.get(end.partition) ?? '-1'))
      .sort((a, b) => a.partition - b.partition);
    return { available: true, topic, groupId, topicExists: true, totalLag: partitions.reduce((sum, p) => sum + p.lag, 0), partitions };
  } catch (error: unknown) {
    return { available: false, topic, groupId, error: error instanceof Error ? error.message : String(error) };
  }
}

/** False when the broker refuses to describe `topic` to this principal; true when it merely does not exist. */
async function describable(admin: Admin, topic: string): Promise<boolean> {
  try {
    await admin.fetchTopicMetadata({ topics: [topic] });
    return true;
  } catch (error: unknown) {
    return kafkaFailureKind(error) !== 'authorization';
  }
}
