export * from './backoff.js';
export * from './retry.js';
