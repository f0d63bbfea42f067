export * from './contracts.js';
export * from './lossless-json.js';
