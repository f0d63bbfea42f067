import { ConfigError } from '@walletgraph/platform';
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
      subgraphs: { wallet: { httpUrl: 'http://127.0.0.1:4001/graphql' }, balance: { httpUrl: 'http://127.0.0.1:4002/graphql', wsUrl: 'ws://127.0.0.1:4002/graphql' } },
    });
  });

  it('hides error details and introspection in production unless introspection is asked for', () => {
    expect(loadGatewayConfig({ NODE_ENV: 'production' })).toMatchObject({ production: true, introspection: false, errorDetails: false });
    expect(loadGatewayConfig({ NODE_ENV: 'production', GATEWAY_INTROSPECTION: 'true' }).introspection).toBe(true);
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
  ])('refuses %s=%s with a message naming it', (name, value) => {
    expect(() => loadGatewayConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it('lists every problem at once', () => {
    expect(() => loadGatewayConfig({ GATEWAY_PORT: 'x', GATEWAY_WORKERS: 'y' })).toThrow(/GATEWAY_PORT[\s\S]*GATEWAY_WORKERS/);
  });

  it('refuses a random port with several workers', () => {
    expect(() => loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_WORKERS: '2' })).toThrow(/GATEWAY_PORT/);
  });
});
