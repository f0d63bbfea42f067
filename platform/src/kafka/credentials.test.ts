import { ConfigError } from '../core/index.js';
import { devKafkaPassword, kafkaCredentialsFromEnv, kafkaCredentialVariables, KAFKA_PRINCIPALS } from './credentials.js';

const strong = 'a'.repeat(40);

describe('Kafka credentials from the environment', () => {
  it('names the variables after the principal', () => {
    expect(kafkaCredentialVariables('wallet')).toEqual({ username: 'KAFKA_WALLET_USERNAME', password: 'KAFKA_WALLET_PASSWORD' });
    expect(KAFKA_PRINCIPALS.map((p) => kafkaCredentialVariables(p).password)).toEqual([
      'KAFKA_WALLET_PASSWORD',
      'KAFKA_BALANCE_PASSWORD',
      'KAFKA_RECONCILER_PASSWORD',
      'KAFKA_ADMIN_PASSWORD',
      'KAFKA_OBSERVER_PASSWORD',
      'KAFKA_BROKER_PASSWORD',
    ]);
  });

  it('falls back to the principal name and a development password outside production, and says so', () => {
    expect(kafkaCredentialsFromEnv('balance', {})).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'balance', password: devKafkaPassword('balance') },
      devSecretsUsed: ['KAFKA_BALANCE_PASSWORD'],
    });
  });

  it('reads the username and password it is given', () => {
    expect(kafkaCredentialsFromEnv('wallet', { KAFKA_WALLET_USERNAME: 'walletcore', KAFKA_WALLET_PASSWORD: 's3cret' })).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'walletcore', password: 's3cret' },
      devSecretsUsed: [],
    });
  });

  it.each([
    ['missing', {}, /KAFKA_WALLET_PASSWORD: is required when NODE_ENV=production/],
    ['a development value', { KAFKA_WALLET_PASSWORD: devKafkaPassword('wallet') }, /KAFKA_WALLET_PASSWORD: is a development-only value/],
    ['short', { KAFKA_WALLET_PASSWORD: 'short-password' }, /KAFKA_WALLET_PASSWORD: must be at least 32 characters/],
  ])('production refuses a password that is %s', (_what, env, message) => {
    const load = () => kafkaCredentialsFromEnv('wallet', { NODE_ENV: 'production', ...env });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });

  it('production accepts a real password', () => {
    expect(kafkaCredentialsFromEnv('wallet', { NODE_ENV: 'production', KAFKA_WALLET_PASSWORD: strong }).devSecretsUsed).toEqual([]);
  });

  it.each(['with space', 'quote"d', 'back\\slash', 'dollar$', 'eq=uals', 'com,ma', '[bracket]', ''])(
    'refuses the password %j without echoing it',
    (password) => {
      const load = () => kafkaCredentialsFromEnv('wallet', { KAFKA_WALLET_PASSWORD: password });
      expect(load).toThrow(/KAFKA_WALLET_PASSWORD: must be 1-256 printable characters/);
      try {
        load();
      } catch (error: unknown) {
        if (password.length > 0) expect((error as Error).message).not.toContain(password);
      }
    },
  );

  it('refuses a username outside the pattern', () => {
    expect(() => kafkaCredentialsFromEnv('wallet', { KAFKA_WALLET_USERNAME: 'User:wallet' })).toThrow(/KAFKA_WALLET_USERNAME: must be 1-64 letters/);
  });
});

describe('published development passwords', () => {
  it('lists every principal development password as published (refused in every variable in production)', async () => {
    const { PUBLISHED_SECRETS } = await import('../core/config/published-secrets.js');
    for (const principal of KAFKA_PRINCIPALS) expect(PUBLISHED_SECRETS.has(devKafkaPassword(principal))).toBe(true);
  });
});
