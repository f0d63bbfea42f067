// Provisioning against the real (SASL, ACL) test broker: a topic that exists with fewer partitions
// than configured is reported, never grown (growing moves accounts to other partitions).
import { randomUUID } from 'node:crypto';
import { createKafka, kafkaAccessNames, kafkaCredentialsFromEnv, provisionWalletgraph } from '../src/kafka/index.js';
import { createLogger } from '../src/core/index.js';

const logger = createLogger({ name: 'provision-test', level: 'silent' });

function adminKafka() {
  const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',');
  return createKafka({ brokers, clientId: 'provision-test', sasl: kafkaCredentialsFromEnv('admin', process.env).sasl }, logger);
}

it('reports an existing topic with too few partitions and leaves it as it is', async () => {
  const suffix = randomUUID().slice(0, 8);
  const names = kafkaAccessNames({
    topics: {
      transactions: `prov.tx.${suffix}`,
      balances: `prov.balances.${suffix}`,
      balancesDeadLetter: `prov.balances.${suffix}.dlq`,
      balancesLive: `prov.balances.${suffix}.live`,
    },
    balanceGroup: `prov-balance-${suffix}`,
    balanceLiveGroupPrefix: `prov-balance-live-${suffix}`,
  });
  const kafka = adminKafka();
  const first = await provisionWalletgraph(kafka, names, 1);
  expect(first.createdTopics).toHaveLength(4);
  expect(first.undersizedTopics).toEqual([]);

  const second = await provisionWalletgraph(kafka, names, 3);
  expect(second.createdTopics).toEqual([]);
  expect(second.undersizedTopics.map((t) => t.topic).sort()).toEqual(Object.values(names.topics).sort());
  expect(second.undersizedTopics.every((t) => t.partitionCount === 1 && t.partitionCountWanted === 3)).toBe(true);

  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [names.topics.balances] });
    expect(topics[0]?.partitions).toHaveLength(1);
  } finally {
    await admin.disconnect();
  }
});
