export * from './parse-env.js';
export * from './env-files.js';
export * from './published-secrets.js';
export * from './production-secret.js';
