// `@walletgraph/platform/core`: what every layer may use. No I/O library (no Kafka client, no
// database driver, no JOSE): errors and assert, retry, configuration, logging, shutdown, input
// rules, lossless JSON. See platform/README.md for what each door loads.
export * from './errors/index.js';
export * from './retry/index.js';
export * from './config/index.js';
export * from './logging/index.js';
export * from './lifecycle/index.js';
export * from './input/index.js';
export * from './json/index.js';
