import { randomUUID } from 'node:crypto';
import { UnavailableError } from '@walletgraph/platform/core';
import { createKafka } from '@walletgraph/platform/kafka';
import { Partitioners } from 'kafkajs';
import { createLivePublisher } from '../src/live/live-publisher.js';
import { createMetrics, MetricName } from '../src/metrics.js';
import { createBalanceProjector } from '../src/projection/balance-projector.js';
import { createDeadLetterPublisher } from '../src/projection/dead-letter.js';
import { createBalanceRepository, type BalanceRepository } from '../src/store/balance-repository.js';
import { createPrismaClient, disconnectPrisma } from '../src/store/prisma.js';
import { balanceTable, connectedProducer, newEvent, provisionFor, testConfig, testKafka, testLogger, waitFor } from './helpers.js';

test('database down: the event is retried (heartbeating) until the database returns; nothing is skipped or committed early', async () => {
  const config = testConfig({ KAFKA_TOPIC_PARTITIONS: '1' });
  const prisma = createPrismaClient({}, { databaseUrl: config.databaseUrl, poolSizeMax: 2, acquireTimeoutMs: 2_000 });
  const real = createBalanceRepository({ prisma }, { transactionTimeoutMs: 5_000, history: { versionsPerAccountMax: 10_000 } });
  let databaseDown = true;
  let failedAttempts = 0;
  const repository: BalanceRepository = {
    ...real,
    async applySides(sides) {
      if (databaseDown) {
        failedAttempts += 1;
        throw new UnavailableError('balance database is unavailable (simulated)');
      }
      return real.applySides(sides);
    },
  };
  await provisionFor(config);
  // The projector's side as the balance principal; the events written as the wallet.
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'outage-test', sasl: config.kafkaAuth.sasl }, testLogger);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const walletProducer = await connectedProducer(testKafka('wallet'));
  const metrics = createMetrics();
  const projector = createBalanceProjector(
    {
      kafka,
      repository,
      deadLetter: createDeadLetterPublisher({ producer }, { topic: config.topics.deadLetter }),
      livePublisher: createLivePublisher({ producer }, { topic: config.topics.live }),
      metrics,
      logger: testLogger,
    },
    {
      topic: config.topics.balances,
      groupId: config.consumerGroup,
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
      commitIntervalMs: 100,
      commitThresholdMessages: 1,
      retryDelayMsInitial: 50,
      retryDelayMsMax: 400,
    },
  );
  const table = balanceTable();
  const admin = kafka.admin();
  await admin.connect();
  const a = randomUUID();
  try {
    await projector.start();
    await walletProducer.send({
      topic: config.topics.balances,
      messages: [newEvent({ id: a, balance: '1', version: 1 }), newEvent({ id: a, balance: '2', version: 2 })],
    });
    // Longer than the session timeout: only heartbeats during the backoff keep the partition ours.
    await waitFor('retries through the outage', () => (failedAttempts >= 30 ? true : undefined));
    expect(await table.get(a)).toBeUndefined();
    const [during] = await admin.fetchOffsets({ groupId: config.consumerGroup, topics: [config.topics.balances] });
    expect(Number(during?.partitions[0]?.offset)).toBeLessThanOrEqual(0);
    expect(metrics.value(MetricName.applyRetries)).toBe(failedAttempts);

    databaseDown = false;
    await waitFor('both applied after recovery', async () => ((await table.get(a))?.version === 2 ? true : undefined));
    // Counted after the commit returns, which another connection can see first (CI once read 0 here).
    await waitFor('both counted as applied', () => (metrics.value(MetricName.eventsApplied) >= 2 ? true : undefined));
    expect(metrics.value(MetricName.eventsApplied)).toBe(2);
    expect(metrics.value(MetricName.eventsDeadLettered)).toBe(0);
    await waitFor('offset committed after the apply', async () => {
      const [after] = await admin.fetchOffsets({ groupId: config.consumerGroup, topics: [config.topics.balances] });
      return Number(after?.partitions[0]?.offset) === 2 ? true : undefined;
    });
  } finally {
    await projector.stop();
    await admin.disconnect();
    await producer.disconnect();
    await walletProducer.disconnect();
    await disconnectPrisma(prisma);
    await table.end();
  }
});
