// `@walletgraph/platform/kafka`: the Kafka client (kafkajs) and the event contracts on the wire.
export * from './access.js';
export * from './client.js';
export * from './credentials.js';
export * from './group-consumer.js';
export * from './contracts.js';
export * from './renewing-producer.js';
