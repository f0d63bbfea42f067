// `@walletgraph/platform/tracing`: OpenTelemetry for every process. Configuration from the
// standard OTEL_* variables (config.ts), the SDK started once per process (sdk.ts, loaded only when
// an exporter is configured), spans (spans.ts) and the W3C trace context carried through the
// outbox, Kafka headers and subscription events (carrier.ts). Loads @opentelemetry/api and zod.
export * from './config.js';
export * from './sdk.js';
export * from './spans.js';
export * from './carrier.js';
export * from './context-manager.js';
