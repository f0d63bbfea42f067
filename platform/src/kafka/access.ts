import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type AclEntry, type Kafka } from 'kafkajs';
import { Topics } from './contracts.js';
import type { KafkaPrincipal } from './credentials.js';
import type { TopicSpec } from './client.js';

/**
 * Who may do what on Kafka: the one description of walletgraph's ACLs. `npm run kafka`, the test
 * harnesses and the compose `kafka-init` (checked statically against this list) apply it; with
 * `allow.everyone.if.no.acl.found=false` anything not listed here is refused.
 */
export type KafkaAclResource = 'topic' | 'group' | 'cluster';
export type KafkaAclOperation = 'read' | 'write' | 'create' | 'delete' | 'alter' | 'describe' | 'describe-configs' | 'alter-configs';

export interface KafkaAclRule {
  /** The SCRAM username (the ACL principal is `User:<principal>`). */
  readonly principal: string;
  readonly resource: KafkaAclResource;
  /** Topic or group name (or prefix); `kafka-cluster` for the cluster. */
  readonly name: string;
  readonly pattern: 'literal' | 'prefixed';
  readonly operation: KafkaAclOperation;
}

export const KAFKA_CLUSTER_RESOURCE = 'kafka-cluster';
/** Consumer groups of the read-only observer (kafka-ui browsing, test harness readers) start with this. */
export const DEFAULT_OBSERVER_GROUP_PREFIX = 'walletgraph-observer-';

export interface KafkaAccessNames {
  readonly topics: { readonly transactions: string; readonly balances: string; readonly balancesDeadLetter: string; readonly balancesLive: string };
  /** The balance projector's group (also the one the reconciler reads the lag of). */
  readonly balanceGroup: string;
  /** BALANCE_LIVE_GROUP_PREFIX: each balance instance reads `balances.live` in `<prefix>-<uuid>`. */
  readonly balanceLiveGroupPrefix: string;
  readonly observerGroupPrefix: string;
  /** SCRAM usernames of the principals that get ACLs (the broker is a super user instead). */
  readonly principals: Readonly<Record<Exclude<KafkaPrincipal, 'broker'>, string>>;
}

export const DEFAULT_KAFKA_ACCESS_NAMES: KafkaAccessNames = {
  topics: { transactions: Topics.transactions, balances: Topics.balances, balancesDeadLetter: Topics.balancesDeadLetter, balancesLive: Topics.balanceLive },
  balanceGroup: 'walletgraph-balance',
  balanceLiveGroupPrefix: 'walletgraph-balance-live',
  observerGroupPrefix: DEFAULT_OBSERVER_GROUP_PREFIX,
  principals: { wallet: 'wallet', balance: 'balance', reconciler: 'reconciler', admin: 'admin', observer: 'observer' },
};

export interface KafkaAccessOverrides {
  readonly topics?: Partial<KafkaAccessNames['topics']>;
  readonly balanceGroup?: string;
  readonly balanceLiveGroupPrefix?: string;
  readonly observerGroupPrefix?: string;
  readonly principals?: Partial<KafkaAccessNames['principals']>;
}

/** The default names with some replaced (tests use topics and groups of their own). */
export function kafkaAccessNames(overrides: KafkaAccessOverrides = {}): KafkaAccessNames {
  const base = DEFAULT_KAFKA_ACCESS_NAMES;
  return {
    topics: { ...base.topics, ...overrides.topics },
    balanceGroup: overrides.balanceGroup ?? base.balanceGroup,
    balanceLiveGroupPrefix: overrides.balanceLiveGroupPrefix ?? base.balanceLiveGroupPrefix,
    observerGroupPrefix: overrides.observerGroupPrefix ?? base.observerGroupPrefix,
    principals: { ...base.principals, ...overrides.principals },
  };
}

const literal = (principal: string, resource: KafkaAclResource, name: string, operation: KafkaAclOperation): KafkaAclRule => ({
  principal,
  resource,
  name,
  pattern: 'literal',
  operation,
});
const prefixed = (principal: string, resource: KafkaAclResource, name: string, operation: KafkaAclOperation): KafkaAclRule => ({
  principal,
  resource,
  name,
  pattern: 'prefixed',
  operation,
});

/**
 * Least privilege per principal. WRITE and READ imply DESCRIBE on the same resource; WRITE on a
 * topic also allows an idempotent producer's InitProducerId (KIP-679), so nobody needs the cluster
 * IDEMPOTENT_WRITE.
 */
export function walletgraphAclRules(names: KafkaAccessNames = DEFAULT_KAFKA_ACCESS_NAMES): KafkaAclRule[] {
  const { topics, principals: p } = names;
  const appTopics = [topics.transactions, topics.balances, topics.balancesDeadLetter, topics.balancesLive];
  return [
    // The wallet's outbox relay: the only writer of both event topics.
    literal(p.wallet, 'topic', topics.transactions, 'write'),
    literal(p.wallet, 'topic', topics.balances, 'write'),
    // The balance subgraph: projects `balances` in its group; fans out on `balances.live`, read by
    // each instance in a group of its own; dead-letters what it cannot apply.
    literal(p.balance, 'topic', topics.balances, 'read'),
    literal(p.balance, 'group', names.balanceGroup, 'read'),
    literal(p.balance, 'topic', topics.balancesLive, 'read'),
    literal(p.balance, 'topic', topics.balancesLive, 'write'),
    prefixed(p.balance, 'group', `${names.balanceLiveGroupPrefix}-`, 'read'),
    literal(p.balance, 'topic', topics.balancesDeadLetter, 'write'),
    // The reconciler: end offsets of `balances` and the committed offsets of the projector's group.
    literal(p.reconciler, 'topic', topics.balances, 'describe'),
    literal(p.reconciler, 'group', names.balanceGroup, 'describe'),
    // Read-only observer (kafka-ui, test harnesses): messages of the app topics, every group's
    // offsets (lag), and groups of its own to read with; never a service's group, never a write.
    ...appTopics.flatMap((topic) => [literal(p.observer, 'topic', topic, 'read'), literal(p.observer, 'topic', topic, 'describe-configs')]),
    literal(p.observer, 'group', '*', 'describe'),
    prefixed(p.observer, 'group', names.observerGroupPrefix, 'read'),
    prefixed(p.observer, 'group', names.observerGroupPrefix, 'delete'),
    literal(p.observer, 'cluster', KAFKA_CLUSTER_RESOURCE, 'describe'),
    literal(p.observer, 'cluster', KAFKA_CLUSTER_RESOURCE, 'describe-configs'),
    // Admin: creates topics, grows their partitions, sets their configs and manages ACLs. It can
    // neither produce nor consume.
    literal(p.admin, 'cluster', KAFKA_CLUSTER_RESOURCE, 'create'),
    literal(p.admin, 'cluster', KAFKA_CLUSTER_RESOURCE, 'alter'),
    literal(p.admin, 'cluster', KAFKA_CLUSTER_RESOURCE, 'describe'),
    literal(p.admin, 'cluster', KAFKA_CLUSTER_RESOURCE, 'describe-configs'),
    literal(p.admin, 'topic', '*', 'describe'),
    literal(p.admin, 'topic', '*', 'alter'),
    literal(p.admin, 'topic', '*', 'describe-configs'),
    literal(p.admin, 'topic', '*', 'alter-configs'),
  ];
}

const DAY_MS = 24 * 3_600_000;
/** Events 7 days, dead letters 30 (time to look at them), live fan-out 1 hour (read from the end). */
export function walletgraphTopics(names: KafkaAccessNames = DEFAULT_KAFKA_ACCESS_NAMES, partitionCount = 3): TopicSpec[] {
  const { topics } = names;
  return [
    { topic: topics.transactions, partitionCount, retentionMs: 7 * DAY_MS },
    { topic: topics.balances, partitionCount, retentionMs: 7 * DAY_MS },
    { topic: topics.balancesDeadLetter, partitionCount, retentionMs: 30 * DAY_MS },
    { topic: topics.balancesLive, partitionCount, retentionMs: 3_600_000 },
  ];
}

const resourceTypes: Record<KafkaAclResource, AclResourceTypes> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  cluster: AclResourceTypes.CLUSTER,
};
const operationTypes: Record<KafkaAclOperation, AclOperationTypes> = {
  read: AclOperationTypes.READ,
  write: AclOperationTypes.WRITE,
  create: AclOperationTypes.CREATE,
  delete: AclOperationTypes.DELETE,
  alter: AclOperationTypes.ALTER,
  describe: AclOperationTypes.DESCRIBE,
  'describe-configs': AclOperationTypes.DESCRIBE_CONFIGS,
  'alter-configs': AclOperationTypes.ALTER_CONFIGS,
};

/** A rule as the Admin API's ACL binding (ALLOW, any host). */
export function toAclEntry(rule: KafkaAclRule): AclEntry {
  return {
    resourceType: resourceTypes[rule.resource],
    resourceName: rule.name,
    resourcePatternType: rule.pattern === 'literal' ? ResourcePatternTypes.LITERAL : ResourcePatternTypes.PREFIXED,
    principal: `User:${rule.principal}`,
    host: '*',
    operation: operationTypes[rule.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

const entryKey = (entry: AclEntry): string =>
  [entry.resourceType, entry.resourceName, entry.resourcePatternType, entry.principal, entry.host, entry.operation, entry.permissionType].join('|');

export interface ProvisionOptions {
  /** Longest wait for the created ACLs to be visible on the broker that answers. Default 15 000 ms. */
  readonly aclVisibleTimeoutMs?: number;
}

/** A topic that exists with fewer partitions than the plan asks for (never grown by provisioning). */
export interface UndersizedTopic {
  readonly topic: string;
  readonly partitionCount: number;
  readonly partitionCountWanted: number;
}

/**
 * Creates missing topics (the brokers' replication factor and min.insync.replicas) and the ACL rules
 * (creating an existing binding is a no-op), then waits until they are visible. Needs the admin
 * principal (or a super user). An existing topic with fewer partitions than planned is reported, not
 * grown: adding partitions moves keys (accounts) to other partitions, which reorders their events
 * unless the topic is drained first, so it stays an operator's decision (README, "Topics").
 */
export async function provisionKafka(
  kafka: Kafka,
  plan: { readonly topics: readonly TopicSpec[]; readonly rules: readonly KafkaAclRule[] },
  options: ProvisionOptions = {},
): Promise<{ readonly createdTopics: readonly string[]; readonly undersizedTopics: readonly UndersizedTopic[] }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = plan.topics.filter((spec) => !existing.has(spec.topic));
    if (missing.length > 0) await admin.createTopics({ waitForLeaders: true, topics: missing.map(topicConfig) });
    const present = plan.topics.filter((spec) => existing.has(spec.topic));
    const described = present.length === 0 ? [] : (await admin.fetchTopicMetadata({ topics: present.map((spec) => spec.topic) })).topics;
    const undersizedTopics = described.flatMap((topic) => {
      const partitionCountWanted = present.find((spec) => spec.topic === topic.name)?.partitionCount ?? 0;
      return topic.partitions.length < partitionCountWanted ? [{ topic: topic.name, partitionCount: topic.partitions.length, partitionCountWanted }] : [];
    });
    const entries = plan.rules.map(toAclEntry);
    if (entries.length > 0) {
      await admin.createAcls({ acl: entries });
      const wanted = new Set(entries.map(entryKey));
      const deadline = Date.now() + (options.aclVisibleTimeoutMs ?? 15_000);
      for (;;) {
        const described = await admin.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        });
        const seen = new Set(described.resources.flatMap((resource) => resource.acls.map((acl) => entryKey({ ...resource, ...acl }))));
        const absent = [...wanted].filter((key) => !seen.has(key));
        if (absent.length === 0) break;
        if (Date.now() > deadline) throw new Error(`${absent.length} ACL binding(s) not visible after creation (first: ${absent[0]})`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return { createdTopics: missing.map((spec) => spec.topic), undersizedTopics };
  } finally {
    await admin.disconnect();
  }
}

/** A topic as createTopics wants it: the brokers' default replication factor (min(3, brokers)). */
export function topicConfig(spec: TopicSpec): {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configEntries: Array<{ name: string; value: string }>;
} {
  return {
    topic: spec.topic,
    numPartitions: spec.partitionCount,
    replicationFactor: -1,
    configEntries: [
      { name: 'retention.ms', value: String(spec.retentionMs ?? 7 * DAY_MS) },
      { name: 'cleanup.policy', value: 'delete' },
    ],
  };
}

/** Topics and ACLs of walletgraph under these names, provisioned with `kafka` (the admin principal). */
export function provisionWalletgraph(
  kafka: Kafka,
  names: KafkaAccessNames,
  partitionCount = 3,
  options: ProvisionOptions = {},
): ReturnType<typeof provisionKafka> {
  return provisionKafka(kafka, { topics: walletgraphTopics(names, partitionCount), rules: walletgraphAclRules(names) }, options);
}
