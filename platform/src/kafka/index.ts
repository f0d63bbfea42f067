export * from './client.js';
export * from './group-consumer.js';
