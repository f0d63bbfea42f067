// deploy/secrets.mjs, the compose `secrets` one-shot, run as the real script with the environment
// docker-compose.yml gives it (the volume being a directory of the test's): it generates, keeps
// what exists, takes your own values, rotates, keeps permissions tight, and the services read
// what it wrote. deploy/mysql/rotate-root-password.sh is run against the real MariaDB.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection, type Connection } from 'mariadb';
import { loadGatewayConfig } from '../../gateway/src/config.js';
import { loadBalanceConfig } from '../../subgraph-balance/src/config.js';
import { loadWalletConfig } from '../../subgraph-wallet/src/config.js';
import { PUBLISHED_SECRETS } from '@walletgraph/platform/core';
import { parseMysqlUrl } from '@walletgraph/platform/db';
import {
  SECRETS_SERVICE,
  composeFiles,
  declaredSecrets,
  environmentOf,
  load,
  root,
  runSecretsScript,
  withSecretsDir,
  type Compose,
  type Env,
} from './support/compose';

const compose = load(composeFiles.base).compose;
const { secrets, derived } = declaredSecrets(compose);
const owner = process.getuid?.() === 0 ? { uid: 1000, gid: 1000 } : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

let dir = '';
beforeEach(() => {
  dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'walletgraph-secrets-')), 'volume');
});
afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

const contents = (): Record<string, string> => Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(path.join(dir, name), 'utf8')]));
const mode = (file: string): number => statSync(path.join(dir, file)).mode & 0o777;
/** `.env` or the shell with these variables: compose passes them to the generator. */
const composeWith = (env: Env): Compose => load(composeFiles.base, env).compose;

function generate(options: { compose?: Compose; args?: readonly string[] } = {}): { lines: string[]; output: string } {
  const run = runSecretsScript(options.compose ?? compose, dir, { args: options.args ?? [] });
  if (run.status !== 0) throw new Error(`deploy/secrets.mjs exited ${run.status}: ${run.stderr}`);
  return { lines: run.stdout.trim().split('\n'), output: run.stdout + run.stderr };
}

function refused(args: readonly string[], composeModel = compose): { status: number | null; stderr: string } {
  const run = runSecretsScript(composeModel, dir, { args });
  return { status: run.status, stderr: run.stderr };
}

describe('deploy/secrets.mjs', () => {
  it("generates every declared secret at random, files 0400 in a 0700 directory owned by the services' user", () => {
    const { lines, output } = generate();
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    const files = contents();
    expect(Object.keys(files).sort()).toEqual([...secrets, ...derived].sort());
    for (const name of secrets) {
      expect(files[name]).toMatch(/^[0-9a-f]{64}$/);
      expect(PUBLISHED_SECRETS.has(files[name] ?? '')).toBe(false);
      expect(output).not.toContain(files[name]);
    }
    expect(new Set(secrets.map((name) => files[name])).size).toBe(secrets.length);
    expect(lines).toEqual([...secrets.map((name) => `secrets: ${name}: generated`), ...derived.map((name) => `secrets: ${name}: derived`)]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of Object.keys(files)) {
      expect({ name, mode: mode(name), uid: statSync(path.join(dir, name)).uid, gid: statSync(path.join(dir, name)).gid }).toEqual({
        name,
        mode: 0o400,
        ...owner,
      });
    }
    expect({ uid: statSync(dir).uid, gid: statSync(dir).gid }).toEqual(owner);
  });

  it('makes the database URLs from the generated MySQL password', () => {
    generate();
    const files = contents();
    for (const name of ['WALLET_DATABASE_URL', 'BALANCE_DATABASE_URL']) {
      const target = parseMysqlUrl(files[name] ?? '');
      expect({ host: target.host, user: target.user, password: target.password }).toEqual({
        host: 'mysql',
        user: 'root',
        password: files['MYSQL_ROOT_PASSWORD'],
      });
    }
  });

  it('keeps what exists: a second run changes no file', () => {
    generate();
    const before = contents();
    const stats = Object.fromEntries(Object.keys(before).map((name) => [name, statSync(path.join(dir, name)).mtimeMs]));
    const { lines } = generate();
    expect(contents()).toEqual(before);
    for (const name of Object.keys(before)) expect(statSync(path.join(dir, name)).mtimeMs).toBe(stats[name]);
    expect(lines).toEqual([...secrets.map((name) => `secrets: ${name}: kept`), ...derived.map((name) => `secrets: ${name}: kept`)]);
  });

  it('tightens permissions a hand or a restore loosened', () => {
    generate();
    chmodSync(dir, 0o755);
    chmodSync(path.join(dir, 'AUTH_JWT_SECRET'), 0o644);
    generate();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(mode('AUTH_JWT_SECRET')).toBe(0o400);
  });

  it('uses your own value (from .env or the shell) and keeps the one it replaced as NAME.previous', () => {
    generate();
    const generated = contents();
    const own = 'my-own-internal-secret-of-forty-characters!';
    const { lines, output } = generate({ compose: composeWith({ INTERNAL_AUTH_SECRET: own }) });
    const files = contents();
    expect(files['INTERNAL_AUTH_SECRET']).toBe(own);
    expect(files['INTERNAL_AUTH_SECRET.previous']).toBe(generated['INTERNAL_AUTH_SECRET']);
    expect(files['AUTH_JWT_SECRET']).toBe(generated['AUTH_JWT_SECRET']);
    expect(lines).toContain('secrets: INTERNAL_AUTH_SECRET: changed to your value (the old value is in INTERNAL_AUTH_SECRET.previous)');
    expect(output).not.toContain(own);
    // Your MySQL password goes into the URLs percent-encoded.
    generate({ compose: composeWith({ MYSQL_ROOT_PASSWORD: 'p@ss:w/rd%' }) });
    expect(contents()['WALLET_DATABASE_URL']).toBe('mysql://root:p%40ss%3Aw%2Frd%25@mysql:3306/wallet');
    expect(parseMysqlUrl(contents()['WALLET_DATABASE_URL'] ?? '').password).toBe('p@ss:w/rd%');
  });

  it("rotates one secret on request (docker compose run --rm secrets --rotate NAME), the URLs following MySQL's", () => {
    generate();
    const before = contents();
    const { lines } = generate({ args: ['--rotate', 'AUTH_JWT_SECRET'] });
    const after = contents();
    expect(after['AUTH_JWT_SECRET']).toMatch(/^[0-9a-f]{64}$/);
    expect(after['AUTH_JWT_SECRET']).not.toBe(before['AUTH_JWT_SECRET']);
    expect(after['AUTH_JWT_SECRET.previous']).toBe(before['AUTH_JWT_SECRET']);
    for (const name of [...secrets, ...derived].filter((n) => n !== 'AUTH_JWT_SECRET')) expect(after[name]).toBe(before[name]);
    expect(lines).toContain('secrets: AUTH_JWT_SECRET: rotated (the old value is in AUTH_JWT_SECRET.previous)');

    generate({ args: ['--rotate', 'MYSQL_ROOT_PASSWORD'] });
    const rotated = contents();
    expect(parseMysqlUrl(rotated['WALLET_DATABASE_URL'] ?? '').password).toBe(rotated['MYSQL_ROOT_PASSWORD']);
    expect(rotated['MYSQL_ROOT_PASSWORD.previous']).toBe(before['MYSQL_ROOT_PASSWORD']);
  });

  it('rotates every generated secret with --rotate all, never one you set', () => {
    generate({ compose: composeWith({ AUTH_JWT_SECRET: 'mine'.repeat(10) }) });
    const before = contents();
    generate({ compose: composeWith({ AUTH_JWT_SECRET: 'mine'.repeat(10) }), args: ['--rotate', 'all'] });
    const after = contents();
    expect(after['AUTH_JWT_SECRET']).toBe('mine'.repeat(10));
    for (const name of secrets.filter((n) => n !== 'AUTH_JWT_SECRET')) expect(after[name]).not.toBe(before[name]);
  });

  it.each([
    [
      'a secret you set',
      ['--rotate', 'AUTH_JWT_SECRET'],
      { AUTH_JWT_SECRET: 'x'.repeat(40) },
      /AUTH_JWT_SECRET is set by you \(AUTH_JWT_SECRET in \.env or the shell\): change it there/,
    ],
    ['an unknown name', ['--rotate', 'NOPE'], {}, /NOPE is not a declared secret \(declared: AUTH_JWT_SECRET, INTERNAL_AUTH_SECRET, MYSQL_ROOT_PASSWORD/],
    ['a derived file', ['--rotate', 'WALLET_DATABASE_URL'], {}, /WALLET_DATABASE_URL is made from other secrets: rotate those/],
    ['an unknown option', ['--force'], {}, /usage: secrets\.mjs/],
  ])('refuses to rotate %s (exit 64), changing nothing', (_label, args, env, expected) => {
    generate();
    const before = contents();
    const run = refused(args, composeWith(env));
    expect(run.status).toBe(64);
    expect(run.stderr).toMatch(expected);
    expect(contents()).toEqual(before);
  });

  it.each([
    ['no secret declared', (env: Env) => Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('SECRET_'))), /no SECRET_<NAME> variable/],
    [
      'a derived file using an undeclared secret',
      (env: Env) => ({ ...env, DERIVED_X: 'mysql://root:{NOPE}@mysql/x' }),
      /DERIVED_X uses \{NOPE\}, which is not declared/,
    ],
    ['a bad name', (env: Env) => ({ ...env, 'SECRET_lower-case': '' }), /SECRET_lower-case: lower-case is not a valid name/],
    ['a relative directory', (env: Env) => ({ ...env, SECRETS_DIR: 'secrets' }), /SECRETS_DIR must be an absolute path/],
    ['a bad owner', (env: Env) => ({ ...env, SECRETS_OWNER: 'node' }), /SECRETS_OWNER must be uid:gid/],
    ['a value with a line break', (env: Env) => ({ ...env, SECRET_AUTH_JWT_SECRET: 'a\nb' }), /AUTH_JWT_SECRET: your value contains a line break/],
  ])('refuses %s (exit 64) and writes nothing', (_label, rewrite, expected) => {
    const run = runSecretsScript(compose, dir, { rewrite });
    expect(run.status).toBe(64);
    expect(run.stderr).toMatch(expected);
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });

  it('recovers from a run that died mid-write (a stale temporary file)', () => {
    generate();
    writeFileSync(path.join(dir, '.AUTH_JWT_SECRET.tmp'), 'half');
    generate({ args: ['--rotate', 'AUTH_JWT_SECRET'] });
    expect(contents()['AUTH_JWT_SECRET']).toMatch(/^[0-9a-f]{64}$/);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('the services read what it wrote, through their NAME_FILE variables', () => {
    generate();
    const files = contents();
    const envOf = (name: string): Env => ({ ...withSecretsDir(environmentOf(compose.services[name]), dir), NODE_ENV: 'production' });
    const wallet = loadWalletConfig(envOf('subgraph-wallet'));
    const balance = loadBalanceConfig(envOf('subgraph-balance'));
    const gateway = loadGatewayConfig(envOf('gateway'));
    for (const config of [wallet, balance, gateway]) {
      expect(config.auth.user.jwtSecret).toBe(files['AUTH_JWT_SECRET']);
      expect(config.auth.internalSecret).toBe(files['INTERNAL_AUTH_SECRET']);
      expect(config.auth.devSecretsUsed).toEqual([]);
    }
    expect(wallet.databaseUrl).toBe(files['WALLET_DATABASE_URL']);
    expect(balance.databaseUrl).toBe(files['BALANCE_DATABASE_URL']);
    expect(environmentOf(compose.services['mysql'])['MYSQL_ROOT_PASSWORD_FILE']).toBe('/run/secrets/walletgraph/MYSQL_ROOT_PASSWORD');
    expect(environmentOf(compose.services[SECRETS_SERVICE])['SECRETS_DIR']).toBe('/run/secrets/walletgraph');
  });
});

describe('deploy/mysql/rotate-root-password.sh', () => {
  const user = `wgtest_rot_${process.pid}`;
  const server = parseMysqlUrl(process.env['WALLET_DATABASE_URL'] ?? 'mysql://root@127.0.0.1:3306/wallet');
  const admin = async <T>(work: (connection: Connection) => Promise<T>): Promise<T> => {
    const connection = await createConnection({ host: server.host, port: server.port, user: server.user, password: server.password });
    try {
      return await work(connection);
    } finally {
      await connection.end();
    }
  };
  const canLogIn = async (password: string): Promise<boolean> => {
    try {
      const connection = await createConnection({ host: server.host, port: server.port, user, password, connectTimeout: 3_000 });
      await connection.end();
      return true;
    } catch {
      return false;
    }
  };
  const rotate = () =>
    spawnSync('sh', [path.join(root, 'deploy/mysql/rotate-root-password.sh')], {
      env: {
        PATH: process.env['PATH'] ?? '',
        MYSQL_ROOT_PASSWORD_FILE: path.join(dir, 'MYSQL_ROOT_PASSWORD'),
        ROTATE_USER: user,
        MYSQL_HOST: server.host,
        MYSQL_TCP_PORT: String(server.port),
      },
      encoding: 'utf8',
      timeout: 30_000,
    });

  afterEach(async () => {
    await admin((c) => c.query(`DROP USER IF EXISTS '${user}'@'%', '${user}'@'localhost'`));
  });

  it('gives the account the rotated password, logging in with the previous one, and prints neither', async () => {
    // An account like MySQL's root: two host entries, the password of the first start.
    const composeWithOwn = composeWith({ MYSQL_ROOT_PASSWORD: "first-'password'\\with-quotes" });
    generate({ compose: composeWithOwn });
    const first = contents()['MYSQL_ROOT_PASSWORD'] ?? '';
    await admin(async (c) => {
      for (const host of ['%', 'localhost']) await c.query(`CREATE USER '${user}'@'${host}' IDENTIFIED BY ?`, [first]);
      await c.query(`GRANT SELECT ON mysql.user TO '${user}'@'%', '${user}'@'localhost'`);
      await c.query(`GRANT CREATE USER ON *.* TO '${user}'@'%', '${user}'@'localhost'`);
    });
    generate({ args: ['--rotate', 'MYSQL_ROOT_PASSWORD'] });
    const second = contents()['MYSQL_ROOT_PASSWORD'] ?? '';
    expect(await canLogIn(second)).toBe(false);

    const run = rotate();
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toMatch(/now logs in with the current MYSQL_ROOT_PASSWORD \(2 host entries\)/);
    expect(run.stdout).not.toContain(second);
    expect(await canLogIn(second)).toBe(true);
    expect(await canLogIn(first)).toBe(false);

    const again = rotate();
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/already logs in with the current MYSQL_ROOT_PASSWORD; nothing to do/);
  });

  it('refuses when neither the current nor the previous password logs in', async () => {
    generate();
    await admin((c) => c.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'some-other-password'`));
    const run = rotate();
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/the current password is refused and there is no .*MYSQL_ROOT_PASSWORD\.previous/);
  });
});
