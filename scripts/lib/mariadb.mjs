// Make sure MariaDB/MySQL accepts TCP connections before the apps or tests need it.
//
//   ensureMariaDb({ host = '127.0.0.1', port = 3306, url, log, timeoutMs = 30_000 })
//     -> Promise<{ host, port, started: boolean }>
//
// If host:port does not accept a TCP connection within 1 s and the host is local, it tries
//   start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
// (when both binaries exist) and waits up to timeoutMs for the port. Otherwise, or when that
// does not help, it throws an Error with one clear line (err.code = 'MARIADB_UNREACHABLE').
// `url` (e.g. WALLET_DATABASE_URL, mysql://user:pw@host:port/db) overrides host/port.

import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readlinkSync } from 'node:fs';

import { canConnect, sleep, which } from './proc.mjs';

const MARIADBD_CANDIDATES = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'];
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0']);

const defaultLog = (msg) => process.stdout.write(`[mariadb] ${msg}\n`);

function unreachable(host, port, extra = '') {
  const err = new Error(`MariaDB/MySQL is not reachable at ${host}:${port}${extra}; start it or set WALLET_DATABASE_URL`);
  err.code = 'MARIADB_UNREACHABLE';
  return err;
}

/** host/port from a mysql:// or mariadb:// URL; null when it cannot be parsed. */
export function hostPortFromUrl(url) {
  try {
    const u = new URL(url);
    return { host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(u.port) || 3306 };
  } catch {
    return null;
  }
}

/** Debian's mysqld wants /run/mysqld (a tmpfs dir, gone after a reboot) owned by mysql. */
function ensureRunDir() {
  const dir = '/run/mysqld';
  if (existsSync(dir) || typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const uid = Number(execFileSync('id', ['-u', 'mysql'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'mysql'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  } catch {
    /* best effort: mariadbd will say what is wrong */
  }
}

function findProcessByExe(exe) {
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        if (readlinkSync(`/proc/${name}/exe`) === exe) return Number(name);
      } catch {
        /* not ours to read / gone */
      }
    }
  } catch {
    /* no /proc */
  }
  return null;
}

export async function ensureMariaDb({ host = '127.0.0.1', port = 3306, url, log = defaultLog, timeoutMs = 30_000 } = {}) {
  if (url) {
    const parsed = hostPortFromUrl(url);
    if (parsed) ({ host, port } = parsed);
  }
  port = Number(port);
  if (await canConnect(port, host, 1000)) return { host, port, started: false };

  const daemon = MARIADBD_CANDIDATES.find((p) => existsSync(p));
  const ssd = which('start-stop-daemon') || (existsSync('/sbin/start-stop-daemon') ? '/sbin/start-stop-daemon' : null);
  if (!LOCAL_HOSTS.has(host) || !daemon || !ssd) {
    throw unreachable(host, port, !LOCAL_HOSTS.has(host) ? '' : !daemon ? ' (no local mariadbd to start)' : ' (start-stop-daemon not found)');
  }

  const runningPid = findProcessByExe(daemon);
  if (runningPid) log(`${daemon} is already running (pid ${runningPid}) but ${host}:${port} does not answer; waiting…`);
  else log(`not reachable at ${host}:${port}; starting ${daemon}…`);
  ensureRunDir();
  const res = spawnSync(ssd, ['--start', '--oknodo', '--background', '--exec', daemon], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (res.error || res.status !== 0) {
    const why = (res.error?.message || res.stderr || res.stdout || `exit ${res.status}`).trim().split('\n').pop();
    throw unreachable(host, port, ` (starting ${daemon} failed: ${why})`);
  }

  const started = Date.now();
  let lastNote = started;
  while (Date.now() - started < timeoutMs) {
    if (await canConnect(port, host, 1000)) {
      log(`ready on ${host}:${port} after ${((Date.now() - started) / 1000).toFixed(1)}s`);
      return { host, port, started: true };
    }
    if (Date.now() - lastNote >= 5000) {
      lastNote = Date.now();
      log(`  waiting for ${host}:${port} (${Math.round((Date.now() - started) / 1000)}s)…`);
    }
    await sleep(250);
  }
  if (runningPid) throw unreachable(host, port, ` (${daemon} pid ${runningPid} runs but does not listen there; check port/bind-address in /etc/mysql)`);
  throw unreachable(
    host,
    port,
    ` (started ${daemon} but it did not listen within ${Math.round(timeoutMs / 1000)}s; see its error log, e.g. journalctl or /var/log/mysql)`,
  );
}
