// Small process/network helpers shared by the dev scripts (node builtins only).
//
//   isPortFree(port, host)            -> Promise<boolean>   (true when nothing listens there)
//   canConnect(port, host, timeoutMs) -> Promise<boolean>   (one TCP connect attempt)
//   waitForPort(port, { host, timeoutMs, intervalMs, isAlive }) -> Promise<void>
//   isAlive(pid)                      -> boolean
//   spawnPrefixed(name, cmd, args, opts) -> ChildProcess    (output lines prefixed "[name] ")
//   killWithDeadline(pidOrChild, { signal, timeoutMs, group }) -> Promise<'exited'|'killed'|'gone'>
//   killTree = killWithDeadline (alias)
//   sleep(ms), prefixLines(stream, prefix, out), tailFile(path, lines), which(cmd)

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One TCP connect attempt; resolves true if something accepted the connection. */
export function canConnect(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    let done = false;
    const finish = (ok) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/**
 * True when the port can be bound on host (nothing listening there).
 * Also does a connect probe so that a listener on a wildcard address is noticed.
 */
export async function isPortFree(port, host = '127.0.0.1') {
  const bindable = await new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
  if (!bindable) return false;
  return !(await canConnect(port, host, 300));
}

/** Wait until host:port accepts TCP connections. Rejects after timeoutMs or when isAlive() returns false. */
export async function waitForPort(port, { host = '127.0.0.1', timeoutMs = 30_000, intervalMs = 250, isAlive: alive } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await canConnect(port, host, Math.min(1000, Math.max(100, deadline - Date.now())))) return;
    if (alive && !alive()) throw new Error(`process exited before ${host}:${port} accepted connections`);
    if (Date.now() >= deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${host}:${port}`);
    await sleep(intervalMs);
  }
}

/** True when a process with that pid exists (and is not a zombie, on Linux). */
export function isAlive(pid) {
  if (!pid || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    /* no /proc (macOS) or it just vanished: trust kill(0) */
  }
  return true;
}

/** Command line of a pid as an argv array ([] if unknown / not Linux). */
export function processArgs(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Pipe a readable stream to `out` line by line, each line prefixed. */
export function prefixLines(stream, prefix, out = process.stdout) {
  if (!stream) return;
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  rl.on('line', (line) => out.write(`${prefix}${line}\n`));
}

/**
 * spawn() whose stdout/stderr lines are printed as "[name] line".
 * opts: any spawn option plus { out = process.stdout, err = process.stderr, prefix }.
 * The child is spawned in its own process group (detached) on POSIX so that
 * killWithDeadline(child) can take down its whole tree; it is NOT unref'd.
 */
export function spawnPrefixed(name, cmd, args = [], opts = {}) {
  const { out = process.stdout, err = process.stderr, prefix = `[${name}] `, ...spawnOpts } = opts;
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
    ...spawnOpts,
  });
  prefixLines(child.stdout, prefix, out);
  prefixLines(child.stderr, prefix, err);
  child.on('error', (e) => err.write(`${prefix}failed to start ${cmd}: ${e.message}\n`));
  return child;
}

function signalPid(pid, signal, group) {
  if (group && process.platform !== 'win32') {
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      /* not a group leader: fall back to the pid itself */
    }
  }
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Send `signal` (default SIGTERM) to a pid or ChildProcess (its process group when
 * group=true, the default), wait up to timeoutMs for it to exit, then SIGKILL.
 * Resolves 'gone' (was not running), 'exited' (exited within the deadline) or 'killed'.
 */
export async function killWithDeadline(target, { signal = 'SIGTERM', timeoutMs = 15_000, group = true, log } = {}) {
  const child = typeof target === 'object' && target !== null ? target : null;
  const pid = child ? child.pid : target;
  const exited = () => (child ? child.exitCode !== null || child.signalCode !== null || !isAlive(pid) : !isAlive(pid));
  if (!pid || exited()) return 'gone';
  signalPid(pid, signal, group);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) {
      // make sure stragglers in the group are gone too
      if (group) signalPid(pid, 'SIGKILL', true);
      return 'exited';
    }
    await sleep(100);
  }
  log?.(`pid ${pid} did not exit within ${Math.round(timeoutMs / 1000)}s; sending SIGKILL`);
  signalPid(pid, 'SIGKILL', group);
  const killDeadline = Date.now() + 5000;
  while (!exited() && Date.now() < killDeadline) await sleep(50);
  return 'killed';
}
export const killTree = killWithDeadline;

/** Last `lines` lines of a (possibly large) text file; '' if missing. */
export function tailFile(file, lines = 20) {
  try {
    const size = statSync(file).size;
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, len, size - len);
    } finally {
      closeSync(fd);
    }
    return buf
      .toString('utf8')
      .split(/\r?\n/)
      .filter((l) => l.length)
      .slice(-lines)
      .join('\n');
  } catch {
    return '';
  }
}

/** Absolute path of an executable on PATH, or null. */
export function which(cmd) {
  if (cmd.includes('/')) return existsSync(cmd) ? cmd : null;
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const full = path.join(dir, cmd);
    try {
      if (statSync(full).isFile()) return full;
    } catch {
      /* next */
    }
  }
  return null;
}
