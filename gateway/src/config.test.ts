import { ConfigError } from '@walletgraph/platform/core';
import { loadGatewayConfig } from './config';

describe('gateway config', () => {
  it('has defaults that work locally', () => {
    const config = loadGatewayConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: '0.0.0.0',
      workers: 1,
      introspection: true,
      errorDetails: true,
      subgraphs: {
        wallet: { httpUrl: 'http://127.0.0.1:4001/graphql' },
        balance: { httpUrl: 'http://127.0.0.1:4002/graphql', wsUrl: 'ws://127.0.0.1:4002/graphql' },
      },
    });
  });

  it('sizes the heap from its live size by default, or leaves it to V8 with 0', () => {
    expect(loadGatewayConfig({}).heapGrowingPercent).toBe(50);
    expect(loadGatewayConfig({ GATEWAY_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(loadGatewayConfig({ GATEWAY_HEAP_GROWING_PERCENT: '100' }).heapGrowingPercent).toBe(100);
    for (const bad of ['-1', '401', '1.5', 'lots']) expect(() => loadGatewayConfig({ GATEWAY_HEAP_GROWING_PERCENT: bad })).toThrow(ConfigError);
  });

  it('bounds SSE stream reservations per caller and in time', () => {
    expect(loadGatewayConfig({})).toMatchObject({ sseReservationsPerCallerMax: 10, sseReservationTtlMs: 10_000 });
    expect(loadGatewayConfig({ GATEWAY_SSE_RESERVATIONS_PER_CALLER_MAX: '2', GATEWAY_SSE_RESERVATION_TTL_MS: '500' })).toMatchObject({
      sseReservationsPerCallerMax: 2,
      sseReservationTtlMs: 500,
    });
    expect(() => loadGatewayConfig({ GATEWAY_SSE_RESERVATIONS_PER_CALLER_MAX: '0' })).toThrow(ConfigError);
  });

  it('bounds WebSocket connections per process and per caller', () => {
    expect(loadGatewayConfig({})).toMatchObject({ wsConnectionsMax: 10_000, wsConnectionsPerCallerMax: 100 });
    expect(loadGatewayConfig({ GATEWAY_WS_CONNECTIONS_MAX: '50', GATEWAY_WS_CONNECTIONS_PER_CALLER_MAX: '5' })).toMatchObject({
      wsConnectionsMax: 50,
      wsConnectionsPerCallerMax: 5,
    });
    expect(() => loadGatewayConfig({ GATEWAY_WS_CONNECTIONS_PER_CALLER_MAX: '0' })).toThrow(ConfigError);
  });

  const productionSecrets = { NODE_ENV: 'production', AUTH_JWT_SECRET: 'p'.repeat(32), INTERNAL_AUTH_SECRET: 'i'.repeat(32) };

  it('hides error details and introspection in production unless introspection is asked for', () => {
    expect(loadGatewayConfig(productionSecrets)).toMatchObject({ production: true, introspection: false, errorDetails: false });
    expect(loadGatewayConfig({ ...productionSecrets, GATEWAY_INTROSPECTION: 'true' }).introspection).toBe(true);
  });

  it('limits clients to trusted documents in production only, and demand control is on everywhere', () => {
    expect(loadGatewayConfig({})).toMatchObject({ trustedDocuments: { mode: 'off', manifestPath: undefined }, cost: { mode: 'enforce', max: 5_000 } });
    expect(loadGatewayConfig(productionSecrets)).toMatchObject({ trustedDocuments: { mode: 'clients' }, cost: { mode: 'enforce', max: 5_000 } });
    expect(
      loadGatewayConfig({ ...productionSecrets, GATEWAY_TRUSTED_DOCUMENTS: 'off', GATEWAY_COST_MODE: 'measure', GATEWAY_COST_MAX: '20000' }),
    ).toMatchObject({ trustedDocuments: { mode: 'off' }, cost: { mode: 'measure', max: 20_000 } });
    expect(loadGatewayConfig({ GATEWAY_TRUSTED_DOCUMENTS: 'all', GATEWAY_TRUSTED_DOCUMENTS_PATH: '/etc/wg/manifest.json' }).trustedDocuments).toEqual({
      mode: 'all',
      manifestPath: '/etc/wg/manifest.json',
    });
    expect(() => loadGatewayConfig({ GATEWAY_TRUSTED_DOCUMENTS: 'admins', GATEWAY_COST_MAX: '0', GATEWAY_COST_MODE: 'warn' })).toThrow(
      /GATEWAY_TRUSTED_DOCUMENTS[\s\S]*GATEWAY_COST_MAX|GATEWAY_COST_MAX[\s\S]*GATEWAY_TRUSTED_DOCUMENTS/,
    );
  });

  it('runs locally on built-in development secrets and says so', () => {
    const { auth } = loadGatewayConfig({});
    expect(auth.devSecretsUsed).toEqual(['AUTH_JWT_SECRET', 'INTERNAL_AUTH_SECRET']);
    expect(auth.user).toMatchObject({ issuer: 'walletgraph-dev', audience: 'walletgraph', jwksUrl: undefined });
    expect(auth.devMode).toBe(false);
    expect(loadGatewayConfig({}).rateLimit.mutationsPerMinuteMax).toBe(600);
  });

  it('merges in-flight subgraph queries and caches credentials by default, and can be told not to', () => {
    expect(loadGatewayConfig({})).toMatchObject({
      dedupeInflight: true,
      dedupeInflightKeysMax: 10_000,
      authCache: { tokenCacheBytesMax: 8 * 1024 * 1024, tokenCacheMsMax: 300_000, identityReuseMs: 30_000 },
    });
    expect(loadGatewayConfig({ GATEWAY_DEDUPE_INFLIGHT: 'false', GATEWAY_AUTH_TOKEN_CACHE_BYTES_MAX: '0', GATEWAY_IDENTITY_REUSE_MS: '0' })).toMatchObject({
      dedupeInflight: false,
      authCache: { tokenCacheBytesMax: 0, identityReuseMs: 0 },
    });
  });

  it.each([
    ['no secrets', { NODE_ENV: 'production' }, /INTERNAL_AUTH_SECRET: is required[\s\S]*AUTH_JWT_SECRET: is required/],
    ['short secrets', { NODE_ENV: 'production', AUTH_JWT_SECRET: 'short', INTERNAL_AUTH_SECRET: 'short' }, /at least 32 characters/],
    [
      'the development secrets',
      { NODE_ENV: 'production', AUTH_JWT_SECRET: 'dev-only-walletgraph-user-jwt-secret-do-not-deploy', INTERNAL_AUTH_SECRET: 'i'.repeat(32) },
      /AUTH_JWT_SECRET: is a development-only value/,
    ],
    ['dev mode', { ...productionSecrets, WALLETGRAPH_DEV_MODE: 'true' }, /WALLETGRAPH_DEV_MODE: must not be true/],
    [
      'both a secret and a JWKS URL',
      { AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWKS_URL: 'https://idp.example.com/jwks.json' },
      /either AUTH_JWT_SECRET .* or AUTH_JWKS_URL/,
    ],
  ])('refuses to start in production with %s', (_name, env, message) => {
    expect(() => loadGatewayConfig(env)).toThrow(ConfigError);
    expect(() => loadGatewayConfig(env)).toThrow(message);
  });

  it('accepts a JWKS URL instead of a user-token secret in production', () => {
    const { auth } = loadGatewayConfig({
      NODE_ENV: 'production',
      AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
      INTERNAL_AUTH_SECRET: 'i'.repeat(32),
    });
    expect(auth.user).toMatchObject({ jwksUrl: 'https://idp.example.com/.well-known/jwks.json', jwtSecret: undefined });
    expect(auth.devSecretsUsed).toEqual([]);
  });

  it.each([
    ['GATEWAY_PORT', '70000'],
    ['GATEWAY_WORKERS', '0'],
    ['GATEWAY_DEPTH_MAX', '-1'],
    ['GATEWAY_BODY_BYTES_MAX', 'lots'],
    ['WALLET_SUBGRAPH_URL', 'localhost:4001'],
    ['BALANCE_SUBGRAPH_WS_URL', 'http://127.0.0.1:4002/graphql'],
    ['GATEWAY_INTROSPECTION', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['GATEWAY_DEDUPE_INFLIGHT', 'maybe'],
    ['GATEWAY_DEDUPE_INFLIGHT_MAX', '0'],
    ['GATEWAY_IDENTITY_REUSE_MS', '60000'],
    ['GATEWAY_AUTH_TOKEN_CACHE_BYTES_MAX', '-1'],
  ])('refuses %s=%s with a message naming it', (name, value) => {
    expect(() => loadGatewayConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it('allows no cross-origin callers unless GATEWAY_CORS_ORIGINS lists exact origins', () => {
    expect(loadGatewayConfig({}).corsOrigins).toEqual([]);
    expect(loadGatewayConfig({ GATEWAY_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    for (const bad of ['*', 'https://app.example.com/', 'app.example.com', 'ftp://app.example.com', 'https://app.example.com/path']) {
      expect(() => loadGatewayConfig({ GATEWAY_CORS_ORIGINS: bad })).toThrow(/GATEWAY_CORS_ORIGINS/);
    }
  });

  it('lists every problem at once', () => {
    expect(() => loadGatewayConfig({ GATEWAY_PORT: 'x', GATEWAY_WORKERS: 'y' })).toThrow(/GATEWAY_PORT[\s\S]*GATEWAY_WORKERS/);
  });

  it('refuses a random port with several workers', () => {
    expect(() => loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_WORKERS: '2' })).toThrow(/GATEWAY_PORT/);
  });
});
