export * from './lossless-json.js';
