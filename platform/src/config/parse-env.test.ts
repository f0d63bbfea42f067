import { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { envField, parseEnv } from './parse-env.js';

const schema = z.object({
  PORT: envField.port(4001),
  KAFKA_BROKERS: envField.kafkaBrokers(),
  DATABASE_URL: envField.mysqlUrl('mysql://root@127.0.0.1:3306/wallet'),
  FLAG: envField.bool(false),
});

describe('parseEnv', () => {
  it('applies working local defaults', () => {
    expect(parseEnv('svc', schema, {})).toEqual({
      PORT: 4001,
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      DATABASE_URL: 'mysql://root@127.0.0.1:3306/wallet',
      FLAG: false,
    });
  });

  it('lists every problem in one clear message', () => {
    const run = (): unknown => parseEnv('svc', schema, { PORT: 'abc', KAFKA_BROKERS: 'nohost', DATABASE_URL: 'postgres://x/y' });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/invalid configuration for svc:\n {2}PORT: .*\n {2}KAFKA_BROKERS: must be a comma-separated list of host:port\n {2}DATABASE_URL: must look like mysql/);
  });
});
