// `@walletgraph/platform/kafka`: the Kafka client (kafkajs) and the event contracts on the wire.
export * from './client.js';
export * from './group-consumer.js';
export * from './contracts.js';
