export * from './errors/index.js';
export * from './retry/index.js';
export * from './config/index.js';
export * from './logging/index.js';
export * from './lifecycle/index.js';
export * from './kafka/index.js';
export * from './events/index.js';
export * from './db/index.js';
