import { z } from 'zod';
import { ConfigError } from '../core/index.js';

/** OpenTelemetry's rule: an empty value is the same as an unset one (compose's `${X-default}` can blank one). */
const unsetIfEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/**
 * The standard OpenTelemetry variables this repository reads (one config module per process
 * spreads these fields into its schema). Without an exporter endpoint tracing is off: no SDK is
 * loaded and every span call is the API's no-op.
 */
export const tracingEnvFields = {
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).default('false'),
  OTEL_SERVICE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores')
    .optional(),
  OTEL_TRACES_EXPORTER: unsetIfEmpty(z.enum(['zipkin', 'otlp', 'none'])),
  OTEL_EXPORTER_ZIPKIN_ENDPOINT: unsetIfEmpty(z.string().url()),
  /** Base URL of an OTLP/HTTP collector; traces go to `<base>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: unsetIfEmpty(z.string().url()),
  /** Full URL for traces only (wins over OTEL_EXPORTER_OTLP_ENDPOINT). */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: unsetIfEmpty(z.string().url()),
  OTEL_TRACES_SAMPLER: z
    .enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'])
    .default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: unsetIfEmpty(z.coerce.number().min(0).max(1)),
  /** Longest a finished span waits before it is exported (ms). */
  OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(1).max(60_000).default(1_000),
  /** Finished spans buffered for export; beyond it new spans are dropped (counted by the SDK). */
  OTEL_BSP_MAX_QUEUE_SIZE: z.coerce.number().int().min(1).max(100_000).default(2_048),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(512),
  OTEL_BSP_EXPORT_TIMEOUT: z.coerce.number().int().min(1).max(120_000).default(10_000),
  /**
   * How the active span follows async work (not an OTEL_* variable): `explicit` never follows it
   * (no AsyncLocalStorage: the process passes each span's parent itself and only its own
   * `walletgraph` tracer records; the gateway), `recorded-only` keeps AsyncLocalStorage off while
   * no recorded span is open (context-manager.ts), `async-local-storage` is OpenTelemetry's stock
   * manager. Unset: the process's default (the gateway's is explicit).
   */
  WALLETGRAPH_TRACING_CONTEXT: unsetIfEmpty(z.enum(['explicit', 'recorded-only', 'async-local-storage'])),
};

/** How the active span follows async work; see WALLETGRAPH_TRACING_CONTEXT. */
export type TracingContextScope = 'explicit' | 'recorded-only' | 'async-local-storage';

type TracingEnv = z.output<z.ZodObject<typeof tracingEnvFields>>;

export type TracingExporter = { readonly kind: 'zipkin'; readonly url: string } | { readonly kind: 'otlp'; readonly url: string };

/** Which traces are recorded: `parentBased` follows a caller's sampled flag and applies `ratio` to new roots. */
export interface TracingSampler {
  readonly parentBased: boolean;
  /** Share of new trace ids sampled, 0..1 (always_on = 1, always_off = 0). */
  readonly ratio: number;
}

export type TracingConfig =
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      readonly serviceName: string;
      readonly exporter: TracingExporter;
      readonly sampler: TracingSampler;
      readonly scheduleDelayMs: number;
      readonly queueSizeMax: number;
      readonly exportBatchSizeMax: number;
      readonly exportTimeoutMs: number;
      readonly contextScope: TracingContextScope;
      /** Whether Prisma's spans are recorded (@prisma/instrumentation hooks `require`: only a process that runs Prisma). */
      readonly prismaSpans: boolean;
    };

/** What differs between processes beyond the variables: see resolveTracingConfig. */
export interface TracingProcessDefaults {
  /** Unless WALLETGRAPH_TRACING_CONTEXT says otherwise; `async-local-storage` by default. */
  readonly contextScope?: TracingContextScope;
  /** `true` by default. */
  readonly prismaSpans?: boolean;
  /**
   * Whether the process passes its spans' parents itself, so `explicit` may be chosen (`false` by
   * default: a process whose libraries or stored carriers read the active context, as the wallet's
   * outbox does, would lose its traces' links).
   */
  readonly explicitContext?: boolean;
}

/** OTEL_TRACES_SAMPLER + _ARG → a sampler (spec defaults: ratio 1 when no argument is given). */
export function samplerOf(name: TracingEnv['OTEL_TRACES_SAMPLER'], arg: number | undefined): TracingSampler {
  switch (name) {
    case 'always_on':
      return { parentBased: false, ratio: 1 };
    case 'always_off':
      return { parentBased: false, ratio: 0 };
    case 'traceidratio':
      return { parentBased: false, ratio: arg ?? 1 };
    case 'parentbased_always_on':
      return { parentBased: true, ratio: 1 };
    case 'parentbased_always_off':
      return { parentBased: true, ratio: 0 };
    case 'parentbased_traceidratio':
      return { parentBased: true, ratio: arg ?? 1 };
  }
}

function exporterOf(env: TracingEnv): TracingExporter | undefined {
  const otlpUrl =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (env.OTEL_EXPORTER_OTLP_ENDPOINT === undefined ? undefined : `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
  const zipkin = env.OTEL_EXPORTER_ZIPKIN_ENDPOINT === undefined ? undefined : ({ kind: 'zipkin', url: env.OTEL_EXPORTER_ZIPKIN_ENDPOINT } as const);
  const otlp = otlpUrl === undefined ? undefined : ({ kind: 'otlp', url: otlpUrl } as const);
  switch (env.OTEL_TRACES_EXPORTER) {
    case 'none':
      return undefined;
    case 'zipkin':
      return zipkin;
    case 'otlp':
      return otlp;
    case undefined:
      return zipkin ?? otlp;
  }
}

/**
 * Refinement for the process's schema: an exporter named without its endpoint, or both
 * endpoints without OTEL_TRACES_EXPORTER saying which, is a configuration error.
 */
export function refineTracingEnv(env: Partial<TracingEnv>, ctx: z.RefinementCtx): void {
  const hasOtlp = env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined;
  const hasZipkin = env.OTEL_EXPORTER_ZIPKIN_ENDPOINT !== undefined;
  if (env.OTEL_TRACES_EXPORTER === 'zipkin' && !hasZipkin)
    ctx.addIssue({ code: 'custom', path: ['OTEL_EXPORTER_ZIPKIN_ENDPOINT'], message: 'is required when OTEL_TRACES_EXPORTER=zipkin' });
  if (env.OTEL_TRACES_EXPORTER === 'otlp' && !hasOtlp)
    ctx.addIssue({ code: 'custom', path: ['OTEL_EXPORTER_OTLP_ENDPOINT'], message: 'is required when OTEL_TRACES_EXPORTER=otlp' });
  if (env.OTEL_TRACES_EXPORTER === undefined && hasOtlp && hasZipkin) {
    ctx.addIssue({
      code: 'custom',
      path: ['OTEL_TRACES_EXPORTER'],
      message: 'must say zipkin or otlp when both OTEL_EXPORTER_ZIPKIN_ENDPOINT and an OTLP endpoint are set',
    });
  }
  const ratioSampler = env.OTEL_TRACES_SAMPLER === 'traceidratio' || env.OTEL_TRACES_SAMPLER === 'parentbased_traceidratio';
  if (env.OTEL_TRACES_SAMPLER_ARG !== undefined && !ratioSampler) {
    ctx.addIssue({
      code: 'custom',
      path: ['OTEL_TRACES_SAMPLER_ARG'],
      message: 'is read only with OTEL_TRACES_SAMPLER=traceidratio or parentbased_traceidratio',
    });
  }
}

/**
 * The parsed variables → the tracing of one process (`serviceNameDefault` when OTEL_SERVICE_NAME is
 * unset, `processDefaults.contextScope` when WALLETGRAPH_TRACING_CONTEXT is). `recorded-only` suits a process
 * whose outgoing calls take the sampling decision from the request's headers (the gateway); one that
 * stores the active context for later (the wallet's outbox row) needs `async-local-storage`.
 */
export function resolveTracingConfig(env: TracingEnv, serviceNameDefault: string, processDefaults: TracingProcessDefaults = {}): TracingConfig {
  if (env.WALLETGRAPH_TRACING_CONTEXT === 'explicit' && processDefaults.explicitContext !== true)
    throw new ConfigError(
      `invalid configuration for ${serviceNameDefault}:\n  WALLETGRAPH_TRACING_CONTEXT: explicit is for the gateway only (this process needs recorded-only or async-local-storage)`,
    );
  const exporter = exporterOf(env);
  if (env.OTEL_SDK_DISABLED === 'true' || exporter === undefined) return { enabled: false };
  return {
    enabled: true,
    serviceName: env.OTEL_SERVICE_NAME ?? serviceNameDefault,
    exporter,
    sampler: samplerOf(env.OTEL_TRACES_SAMPLER, env.OTEL_TRACES_SAMPLER_ARG),
    scheduleDelayMs: env.OTEL_BSP_SCHEDULE_DELAY,
    queueSizeMax: env.OTEL_BSP_MAX_QUEUE_SIZE,
    exportBatchSizeMax: Math.min(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, env.OTEL_BSP_MAX_QUEUE_SIZE),
    exportTimeoutMs: env.OTEL_BSP_EXPORT_TIMEOUT,
    contextScope: env.WALLETGRAPH_TRACING_CONTEXT ?? processDefaults.contextScope ?? 'async-local-storage',
    prismaSpans: processDefaults.prismaSpans ?? true,
  };
}
