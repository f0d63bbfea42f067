export * from './access.js';
export * from './client.js';
export * from './credentials.js';
export * from './group-consumer.js';
