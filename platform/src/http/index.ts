// `@walletgraph/platform/http`: node http helpers and the subgraph host (Apollo Server behind
// the gateway's identity). Loads no database driver, no Kafka client, no JOSE.
export * from './node-http.js';
export * from './subgraph-host.js';
export * from './server-span.js';
