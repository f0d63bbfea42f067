import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { ENV_FILE_BYTES_MAX } from './env-files.js';
import { envField, parseEnv, schemaVariables } from './parse-env.js';
import { DEV_AUTH_JWT_SECRET, DEV_INTERNAL_AUTH_SECRET, PUBLISHED_SECRETS, isPublishedSecret } from './published-secrets.js';

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
    expect(run).toThrow(
      /invalid configuration for svc:\n {2}PORT: .*\n {2}KAFKA_BROKERS: must be a comma-separated list of host:port\n {2}DATABASE_URL: must look like mysql/,
    );
  });
});

describe('parseEnv: NAME_FILE', () => {
  const secretSchema = z
    .object({
      NODE_ENV: z.string().default('development'),
      API_SECRET: z.string().min(32).optional(),
      DATABASE_URL: envField.mysqlUrl('mysql://root@127.0.0.1:3306/wallet'),
    })
    .superRefine((env, ctx) => {
      if (env.NODE_ENV === 'production' && env.API_SECRET === undefined) ctx.addIssue({ code: 'custom', path: ['API_SECRET'], message: 'is required' });
    });
  const secret = 'f'.repeat(64);
  let dir: string;
  const file = (name: string, content: string | Buffer): string => {
    const target = path.join(dir, name);
    writeFileSync(target, content);
    return target;
  };
  const message = (env: NodeJS.ProcessEnv): string => {
    try {
      parseEnv('svc', secretSchema, env);
    } catch (error: unknown) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('parseEnv accepted the environment');
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'parse-env-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a variable from its file, less one trailing newline', () => {
    const env = parseEnv('svc', secretSchema, { NODE_ENV: 'production', API_SECRET_FILE: file('api', `${secret}\n`) });
    expect(env.API_SECRET).toBe(secret);
    expect(parseEnv('svc', secretSchema, { API_SECRET_FILE: file('crlf', `${secret}\r\n`) }).API_SECRET).toBe(secret);
    expect(parseEnv('svc', secretSchema, { DATABASE_URL_FILE: file('url', 'mysql://u:p@db:3306/wallet') }).DATABASE_URL).toBe('mysql://u:p@db:3306/wallet');
  });

  it('reads files for the variables of a transformed schema too', () => {
    const piped = z.object({ API_SECRET: z.string() }).transform((env) => env.API_SECRET.length);
    expect(schemaVariables(piped)).toEqual(['API_SECRET']);
    expect(parseEnv('svc', piped, { API_SECRET_FILE: file('api', secret) })).toBe(64);
  });

  it('ignores NAME_FILE for a variable the schema does not read', () => {
    expect(parseEnv('svc', secretSchema, { OTHER_FILE: path.join(dir, 'missing') }).API_SECRET).toBeUndefined();
  });

  it.each([
    ['a missing file', () => path.join(dir, 'missing'), /API_SECRET_FILE: cannot read .*missing \(no such file\)/],
    ['an empty file', () => file('empty', '\n'), /API_SECRET_FILE: .*empty is empty/],
    ['a directory', () => dir, /API_SECRET_FILE: .* is not a regular file/],
    ['a file too large to be a secret', () => file('big', Buffer.alloc(ENV_FILE_BYTES_MAX + 1, 'a')), /API_SECRET_FILE: .*big is larger than 65536 bytes/],
  ])('refuses %s, naming the file and never falling back to a default', (_label, target, expected) => {
    const text = message({ NODE_ENV: 'production', API_SECRET_FILE: target() });
    expect(text).toMatch(expected);
    // The file is the cause: no second "is required" line for the same variable.
    expect(text).not.toMatch(/API_SECRET: is required/);
  });

  it('refuses NAME and NAME_FILE together', () => {
    expect(message({ API_SECRET: secret, API_SECRET_FILE: file('api', secret) })).toMatch(
      /API_SECRET_FILE: set either API_SECRET or API_SECRET_FILE, not both/,
    );
  });

  it('validates a value read from a file like any other, without printing it', () => {
    const text = message({ API_SECRET_FILE: file('short', 'short-secret-value') });
    expect(text).toMatch(/API_SECRET: Too small/i);
    expect(text).not.toContain('short-secret-value');
  });
});

describe('parseEnv: published secrets', () => {
  const schema2 = z.object({ NODE_ENV: z.string().default('development'), API_SECRET: z.string().optional(), DATABASE_URL: z.string().optional() });
  const published = [...PUBLISHED_SECRETS];

  it('knows the built-in development secrets', () => {
    expect(published).toEqual(expect.arrayContaining([DEV_AUTH_JWT_SECRET, DEV_INTERNAL_AUTH_SECRET]));
  });

  it.each(published)('refuses %s in production, in a variable, from a file and as a URL password', (value) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'parse-env-'));
    try {
      writeFileSync(path.join(dir, 'secret'), `${value}\n`);
      const url = `mysql://root:${encodeURIComponent(value)}@db:3306/wallet`;
      const run = (env: NodeJS.ProcessEnv) => () => parseEnv('svc', schema2, { NODE_ENV: 'production', ...env });
      expect(run({ API_SECRET: value })).toThrow(/API_SECRET: holds a secret published in the walletgraph repository; set one of your own/);
      expect(run({ API_SECRET_FILE: path.join(dir, 'secret') })).toThrow(/API_SECRET: holds a secret published .* \(read from API_SECRET_FILE\)/);
      expect(run({ DATABASE_URL: url })).toThrow(/DATABASE_URL: holds a secret published/);
      // Outside production the development defaults are what makes `npm start` work.
      expect(parseEnv('svc', schema2, { API_SECRET: value, DATABASE_URL: url }).API_SECRET).toBe(value);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts secrets of your own in production', () => {
    const env = { NODE_ENV: 'production', API_SECRET: 'a'.repeat(64), DATABASE_URL: 'mysql://root:s3cret-of-mine@db:3306/wallet' };
    expect(parseEnv('svc', schema2, env)).toMatchObject({ API_SECRET: 'a'.repeat(64) });
    expect(isPublishedSecret('mysql://root@db:3306/wallet')).toBe(false);
  });
});
