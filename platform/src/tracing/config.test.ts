import { z } from 'zod';
import { ConfigError, parseEnv } from '../core/index.js';
import { refineTracingEnv, resolveTracingConfig, samplerOf, tracingEnvFields } from './config.js';

const schema = z.object(tracingEnvFields).superRefine(refineTracingEnv);
const load = (env: Record<string, string>) => resolveTracingConfig(parseEnv('svc', schema, env), 'svc-default');

describe('tracing configuration (OTEL_* variables)', () => {
  it('is off without an exporter endpoint, whatever else is set', () => {
    expect(load({})).toEqual({ enabled: false });
    expect(load({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' })).toEqual({ enabled: false });
    expect(load({ OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9411/api/v2/spans', OTEL_SDK_DISABLED: 'true' })).toEqual({ enabled: false });
    expect(load({ OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9411/api/v2/spans', OTEL_TRACES_EXPORTER: 'none' })).toEqual({ enabled: false });
    // An empty value is an unset one (OpenTelemetry's rule; docker compose blanks a variable so).
    expect(load({ OTEL_EXPORTER_ZIPKIN_ENDPOINT: '', OTEL_TRACES_SAMPLER_ARG: '' })).toEqual({ enabled: false });
  });

  it('exports to Zipkin, parent-based and 100 % by default, named after the process', () => {
    expect(load({ OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9411/api/v2/spans' })).toMatchObject({
      enabled: true,
      serviceName: 'svc-default',
      exporter: { kind: 'zipkin', url: 'http://127.0.0.1:9411/api/v2/spans' },
      sampler: { parentBased: true, ratio: 1 },
      scheduleDelayMs: 1_000,
      queueSizeMax: 2_048,
    });
  });

  it('follows context with the stock manager and traces Prisma unless the process says otherwise; WALLETGRAPH_TRACING_CONTEXT wins', () => {
    const env = { OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9411/api/v2/spans' };
    const gateway = { contextScope: 'recorded-only', prismaSpans: false } as const;
    const of = (vars: Record<string, string>, defaults = {}) => resolveTracingConfig(parseEnv('svc', schema, vars), 'svc', defaults);
    expect(of(env)).toMatchObject({ contextScope: 'async-local-storage', prismaSpans: true });
    expect(of(env, gateway)).toMatchObject({ contextScope: 'recorded-only', prismaSpans: false });
    expect(of({ ...env, WALLETGRAPH_TRACING_CONTEXT: 'async-local-storage' }, gateway)).toMatchObject({ contextScope: 'async-local-storage' });
    expect(of({ ...env, WALLETGRAPH_TRACING_CONTEXT: 'recorded-only' })).toMatchObject({ contextScope: 'recorded-only' });
    expect(() => of({ ...env, WALLETGRAPH_TRACING_CONTEXT: 'zone' })).toThrow(/WALLETGRAPH_TRACING_CONTEXT/);
  });

  it('takes an explicit context only in a process that passes its spans itself (the gateway)', () => {
    const env = { OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9411/api/v2/spans', WALLETGRAPH_TRACING_CONTEXT: 'explicit' };
    const of = (defaults = {}) => resolveTracingConfig(parseEnv('svc', schema, env), 'svc', defaults);
    expect(of({ contextScope: 'explicit', explicitContext: true })).toMatchObject({ contextScope: 'explicit' });
    expect(() => of()).toThrow(ConfigError);
    expect(() => of()).toThrow(/WALLETGRAPH_TRACING_CONTEXT: explicit is for the gateway only/);
  });

  it('sends OTLP/HTTP to <endpoint>/v1/traces, or to the traces endpoint as given', () => {
    expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toMatchObject({
      exporter: { kind: 'otlp', url: 'http://collector:4318/v1/traces' },
    });
    expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:4318/t' })).toMatchObject({
      exporter: { kind: 'otlp', url: 'http://other:4318/t' },
    });
    expect(
      load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://z:9411/api/v2/spans', OTEL_TRACES_EXPORTER: 'otlp' }),
    ).toMatchObject({ exporter: { kind: 'otlp' } });
  });

  it('reads the sampler and its ratio', () => {
    expect(
      load({
        OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://z:9411/api/v2/spans',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.01',
        OTEL_SERVICE_NAME: 'gw-1',
      }),
    ).toMatchObject({
      serviceName: 'gw-1',
      sampler: { parentBased: true, ratio: 0.01 },
    });
  });

  it.each([
    ['always_on', undefined, { parentBased: false, ratio: 1 }],
    ['always_off', undefined, { parentBased: false, ratio: 0 }],
    ['traceidratio', 0.25, { parentBased: false, ratio: 0.25 }],
    ['traceidratio', undefined, { parentBased: false, ratio: 1 }],
    ['parentbased_always_on', undefined, { parentBased: true, ratio: 1 }],
    ['parentbased_always_off', undefined, { parentBased: true, ratio: 0 }],
    ['parentbased_traceidratio', 0, { parentBased: true, ratio: 0 }],
  ] as const)('sampler %s with argument %s', (name, arg, expected) => {
    expect(samplerOf(name, arg)).toEqual(expected);
  });

  it.each([
    [
      'a ratio above 1',
      { OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://z:9411/api/v2/spans', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' },
      /OTEL_TRACES_SAMPLER_ARG/,
    ],
    [
      'a ratio that is not a number',
      { OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://z:9411/api/v2/spans', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: 'half' },
      /OTEL_TRACES_SAMPLER_ARG/,
    ],
    [
      'a ratio for a sampler that reads none',
      { OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: '0.5' },
      /OTEL_TRACES_SAMPLER_ARG: is read only with/,
    ],
    ['an unknown sampler', { OTEL_TRACES_SAMPLER: 'sometimes' }, /OTEL_TRACES_SAMPLER/],
    ['an endpoint that is not a URL', { OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'localhost 9411' }, /OTEL_EXPORTER_ZIPKIN_ENDPOINT/],
    [
      'both exporters without a choice',
      { OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://z:9411/api/v2/spans', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' },
      /OTEL_TRACES_EXPORTER: must say zipkin or otlp/,
    ],
    ['an exporter without its endpoint', { OTEL_TRACES_EXPORTER: 'zipkin' }, /OTEL_EXPORTER_ZIPKIN_ENDPOINT: is required/],
    ['a service name with spaces', { OTEL_SERVICE_NAME: 'my gateway' }, /OTEL_SERVICE_NAME/],
    ['a zero export delay', { OTEL_BSP_SCHEDULE_DELAY: '0' }, /OTEL_BSP_SCHEDULE_DELAY/],
  ])('refuses %s at start-up', (_name, env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });
});
