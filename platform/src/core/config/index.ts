export * from './parse-env.js';
export * from './env-files.js';
export * from './published-secrets.js';
