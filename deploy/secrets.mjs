#!/usr/bin/env node
// The compose `secrets` one-shot: one file per secret in the `secrets` volume, which the services
// mount read-only and read through NAME_FILE variables. No working secret is in the repository:
// each one is random, made on the first `docker compose up`, unless you set your own.
//
//   node deploy/secrets.mjs                   make what is missing, keep what exists (every `up` runs this)
//   node deploy/secrets.mjs --rotate NAME...  new random values
//   node deploy/secrets.mjs --rotate all      every secret that is not set by you
//
// Environment (docker-compose.yml sets all of it on the `secrets` service):
//   SECRETS_DIR     the directory the files go to (the volume)
//   SECRETS_OWNER   uid:gid the directory and files are given to (the services' user); unset: unchanged
//   SECRET_<NAME>   declares the secret NAME. Empty: random (32 bytes, hex). Set: your value, written
//                   as given on every run (docker-compose.yml passes ${NAME} from .env or the shell)
//   DERIVED_<NAME>  a file made from secrets: each {SECRET} is replaced by that secret, percent-encoded
//                   (for URLs); remade on every run, so it follows a rotation
//
// Whenever a secret changes (rotated, or your value changed), the old value is kept as NAME.previous.
// Directory 0700, files 0400, written to a temporary file and renamed, so a reader never sees half
// a secret. Values are never printed: the log says which secret was made, kept, set or rotated.
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const SECRET_PREFIX = 'SECRET_';
export const DERIVED_PREFIX = 'DERIVED_';
/** 256 random bits: what HS256 wants, far beyond any password guessing. */
export const SECRET_BYTES = 32;
const VALUE_BYTES_MAX = 4096;
const DIR_MODE = 0o700;
const FILE_MODE = 0o400;
const NAME = /^[A-Z][A-Z0-9_]{0,127}$/;

/** A mistake in the declaration or the command line (exit 64, like sysexits' EX_USAGE). */
export class SecretsUsageError extends Error {}

/** The declared secrets and derived files, validated. */
export function readDeclaration(env) {
  const secrets = [];
  const derived = [];
  for (const [variable, value] of Object.entries(env)) {
    const prefix = [SECRET_PREFIX, DERIVED_PREFIX].find((p) => variable.startsWith(p));
    if (prefix === undefined) continue;
    const name = variable.slice(prefix.length);
    if (!NAME.test(name)) throw new SecretsUsageError(`${variable}: ${name || '(empty)'} is not a valid name (A-Z, 0-9, _)`);
    if (prefix === SECRET_PREFIX) secrets.push({ name, provided: value === undefined || value === '' ? undefined : value });
    else derived.push({ name, template: value ?? '' });
  }
  if (secrets.length === 0) throw new SecretsUsageError(`no ${SECRET_PREFIX}<NAME> variable: nothing to make`);
  const names = new Set(secrets.map((s) => s.name));
  for (const { name, provided } of secrets) {
    if (provided === undefined) continue;
    if (/[\r\n\0]/.test(provided)) throw new SecretsUsageError(`${name}: your value contains a line break or NUL`);
    if (Buffer.byteLength(provided) > VALUE_BYTES_MAX) throw new SecretsUsageError(`${name}: your value is longer than ${VALUE_BYTES_MAX} bytes`);
  }
  for (const { name, template } of derived) {
    if (names.has(name)) throw new SecretsUsageError(`${name} is declared both as a secret and as a derived file`);
    const used = [...template.matchAll(/\{([A-Z][A-Z0-9_]*)\}/g)].map((m) => m[1]);
    if (used.length === 0) throw new SecretsUsageError(`${DERIVED_PREFIX}${name} uses no {SECRET}`);
    const unknown = used.filter((n) => !names.has(n));
    if (unknown.length > 0) throw new SecretsUsageError(`${DERIVED_PREFIX}${name} uses ${unknown.map((n) => `{${n}}`).join(', ')}, which is not declared`);
  }
  return { secrets, derived };
}

/** `--rotate NAME... | all` → the names to make anew. */
export function parseArguments(argv, { secrets, derived }) {
  if (argv.length === 0) return new Set();
  if (argv[0] !== '--rotate' || argv.length === 1) throw new SecretsUsageError('usage: secrets.mjs [--rotate NAME... | --rotate all]');
  const requested = argv
    .slice(1)
    .flatMap((arg) => arg.split(','))
    .filter(Boolean);
  const rotatable = secrets.filter((s) => s.provided === undefined).map((s) => s.name);
  if (requested.length === 1 && requested[0] === 'all') return new Set(rotatable);
  for (const name of requested) {
    const secret = secrets.find((s) => s.name === name);
    if (derived.some((d) => d.name === name)) throw new SecretsUsageError(`${name} is made from other secrets: rotate those`);
    if (secret === undefined) throw new SecretsUsageError(`${name} is not a declared secret (declared: ${secrets.map((s) => s.name).join(', ')})`);
    if (secret.provided !== undefined) throw new SecretsUsageError(`${name} is set by you (${name} in .env or the shell): change it there`);
  }
  return new Set(requested);
}

function parseOwner(text) {
  if (text === undefined || text === '') return undefined;
  const match = /^(\d+):(\d+)$/.exec(text);
  if (!match) throw new SecretsUsageError(`SECRETS_OWNER must be uid:gid (numbers), got ${JSON.stringify(text)}`);
  return { uid: Number(match[1]), gid: Number(match[2]) };
}

/** The current value of a file, or undefined when there is none worth keeping. */
function readExisting(file) {
  if (!existsSync(file)) return undefined;
  if (!lstatSync(file).isFile()) throw new Error(`${file} exists and is not a regular file`);
  const value = readFileSync(file, 'utf8');
  return value === '' ? undefined : value;
}

function protect(target, mode, owner) {
  if (owner) chownSync(target, owner.uid, owner.gid);
  chmodSync(target, mode);
}

/** Writes through a temporary file and a rename: readers see the old value or the new one. */
function writeSecretFile(dir, name, value, owner) {
  const target = path.join(dir, name);
  const temporary = path.join(dir, `.${name}.tmp`);
  // Left over by a run that died mid-write (in a container the pid is always 1): never a value in use.
  rmSync(temporary, { force: true });
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, value);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  protect(temporary, FILE_MODE, owner);
  renameSync(temporary, target);
}

export function substitute(template, values) {
  return template.replace(/\{([A-Z][A-Z0-9_]*)\}/g, (_match, name) => encodeURIComponent(values.get(name)));
}

/** Makes the files; returns one line per file saying what happened (never a value). */
export function run({ env, argv, random = () => randomBytes(SECRET_BYTES).toString('hex') }) {
  const dir = env.SECRETS_DIR;
  if (dir === undefined || dir === '' || !path.isAbsolute(dir)) throw new SecretsUsageError('SECRETS_DIR must be an absolute path (the secrets volume)');
  const owner = parseOwner(env.SECRETS_OWNER);
  const declaration = readDeclaration(env);
  const rotate = parseArguments(argv, declaration);
  mkdirSync(dir, { recursive: true });
  protect(dir, DIR_MODE, owner);

  const report = [];
  const values = new Map();
  for (const { name, provided } of declaration.secrets) {
    const file = path.join(dir, name);
    const existing = readExisting(file);
    let value = existing;
    let outcome = 'kept';
    if (provided !== undefined) {
      value = provided;
      outcome = existing === provided ? 'kept (your value)' : existing === undefined ? 'set from your value' : 'changed to your value';
    } else if (rotate.has(name) || existing === undefined) {
      value = random();
      outcome = existing === undefined ? 'generated' : 'rotated';
    }
    if (value !== existing) {
      // The old value stays readable for what still needs it once (deploy/mysql/rotate-root-password.sh).
      if (existing !== undefined) {
        writeSecretFile(dir, `${name}.previous`, existing, owner);
        outcome += ` (the old value is in ${name}.previous)`;
      }
      writeSecretFile(dir, name, value, owner);
    } else protect(file, FILE_MODE, owner);
    values.set(name, value);
    report.push(`${name}: ${outcome}`);
  }
  for (const { name, template } of declaration.derived) {
    const value = substitute(template, values);
    const existing = readExisting(path.join(dir, name));
    if (value !== existing) writeSecretFile(dir, name, value, owner);
    else protect(path.join(dir, name), FILE_MODE, owner);
    report.push(`${name}: ${existing === undefined ? 'derived' : value === existing ? 'kept' : 're-derived'}`);
  }
  return report;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    for (const line of run({ env: process.env, argv: process.argv.slice(2) })) process.stdout.write(`secrets: ${line}\n`);
  } catch (error) {
    process.stderr.write(`secrets: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof SecretsUsageError ? 64 : 1);
  }
}
