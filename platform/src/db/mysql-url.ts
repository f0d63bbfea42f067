import type { PoolConfig } from 'mariadb';
import { ConfigError } from '../core/index.js';

export interface MysqlTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** `?ssl=true` in the URL: TLS with certificate verification (managed MySQL). */
  readonly ssl: boolean;
  /** `?allowPublicKeyRetrieval=true`: lets MySQL 8's caching_sha2_password log in without TLS. */
  readonly allowPublicKeyRetrieval: boolean;
}

/** Parses mysql://user:password@host:port/database (mariadb:// accepted too). */
export function parseMysqlUrl(url: string): MysqlTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`database URL is not a URL: ${redactUrl(url)}`);
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw new ConfigError(`database URL must start with mysql:// (got ${parsed.protocol})`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) throw new ConfigError(`database URL names no valid database: ${redactUrl(url)}`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    database,
    ssl: parsed.searchParams.get('ssl') === 'true',
    allowPublicKeyRetrieval: parsed.searchParams.get('allowPublicKeyRetrieval') === 'true',
  };
}

/** The URL with its password hidden, for logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

export interface PoolSizing {
  /** Connections in the pool. Default 10. */
  readonly connectionCountMax?: number;
  /** How long a caller waits for a free connection. Default 5 000 ms. */
  readonly acquireTimeoutMs?: number;
}

/** Driver settings for a pool; open it with createMariaDbPool (UTC sessions, crash-safe). */
export function poolConfigFor(target: MysqlTarget, sizing: PoolSizing = {}): PoolConfig {
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ...(target.ssl ? { ssl: { rejectUnauthorized: true } } : {}),
    ...(target.allowPublicKeyRetrieval ? { allowPublicKeyRetrieval: true } : {}),
    connectionLimit: sizing.connectionCountMax ?? 10,
    acquireTimeout: sizing.acquireTimeoutMs ?? 5_000,
    connectTimeout: 3_000,
    // DECIMAL stays a string: money never passes through a double.
    decimalAsNumber: false,
    bigIntAsNumber: false,
    insertIdAsNumber: true,
    // No `timezone` here: the driver would run `SET time_zone` on an unhandled promise chain, and a
    // connection dropped at that moment crashes the process. createMariaDbPool sets UTC itself.
  };
}
