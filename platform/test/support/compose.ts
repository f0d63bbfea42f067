// The compose model the deployment tests share: what `docker compose -f … config` would see
// (interpolation, override merging, `!reset`), the Dockerfile's stages, and the secrets volume as
// the `secrets` one-shot fills it (the real deploy/secrets.mjs, run into a directory of the test's).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';

export const root = path.resolve(__dirname, '../../..');
export const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
export const exists = (file: string): boolean => existsSync(path.join(root, file));

export type Env = Record<string, string>;
export type Problems = string[];
export interface ComposeService {
  image?: string;
  build?: { context?: string; target?: string; dockerfile?: string } | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | number | { target?: number; published?: number | string; host_ip?: string }>;
  volumes?: Array<string | { type?: string; source?: string }>;
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  restart?: string;
  deploy?: { replicas?: number };
  profiles?: string[];
  network_mode?: string;
  entrypoint?: string[] | string;
  user?: string;
  read_only?: boolean;
}
export interface Compose {
  services: Record<string, ComposeService>;
}

// ---------------------------------------------------------------------------------------------
// Compose: interpolation, parsing, merging of override files

/** Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}` and `$$`. */
export function interpolate(text: string, env: Env, problems: Problems): string {
  return text.replace(/\$(\$|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_match, body: string, braced?: string, bare?: string) => {
    if (body === '$') return '$';
    const expression = braced ?? bare ?? '';
    const parts = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])(.*))?$/s.exec(expression);
    if (!parts) {
      problems.push(`bad interpolation \${${expression}}`);
      return '';
    }
    const [, name = '', operator, argument = ''] = parts;
    const value = env[name];
    const unsetOrEmpty = value === undefined || (operator?.startsWith(':') === true && value === '');
    if (!unsetOrEmpty) return value;
    if (operator === ':-' || operator === '-') return argument;
    problems.push(`\${${name}} has no default: compose fails or substitutes '' without a .env`);
    return '';
  });
}

export class Replace {
  constructor(readonly value: unknown) {}
}
export const replaceTags = ['!reset', '!override'].flatMap((tag) => [
  { tag, collection: 'seq' as const, resolve: (node: { toJSON(): unknown }) => new Replace(node.toJSON()) },
  { tag, collection: 'map' as const, resolve: (node: { toJSON(): unknown }) => new Replace(node.toJSON()) },
]);

export function parseYaml(text: string, file: string, problems: Problems): unknown {
  const document = parseDocument(text, { customTags: replaceTags });
  for (const issue of [...document.errors, ...document.warnings]) problems.push(`${file}: ${issue.message.split('\n')[0]}`);
  return document.toJS();
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Replace);

/** Compose's merge: mappings merge key by key, sequences append, `!reset`/`!override` replace. */
export function mergeCompose(base: unknown, override: unknown): unknown {
  if (override instanceof Replace) return override.value;
  if (isPlainObject(base) && isPlainObject(override)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) merged[key] = key in base ? mergeCompose(base[key], value) : stripReplace(value);
    return merged;
  }
  if (Array.isArray(base) && Array.isArray(override)) {
    const seen = new Set(base.map((item) => JSON.stringify(item)));
    return [...base, ...override.filter((item) => !seen.has(JSON.stringify(item)))];
  }
  return stripReplace(override);
}

export function stripReplace(value: unknown): unknown {
  if (value instanceof Replace) return value.value;
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripReplace(v)]));
  return value;
}

/** The compose model `docker compose -f a -f b config` would see, given the variables in `env`. */
export function loadCompose(texts: ReadonlyArray<{ file: string; text: string }>, env: Env, problems: Problems): Compose {
  let merged: unknown = {};
  for (const { file, text } of texts) merged = mergeCompose(merged, parseYaml(interpolate(text, env, problems), file, problems));
  const compose = merged as Partial<Compose>;
  if (!isPlainObject(compose.services)) {
    problems.push('compose: no services');
    return { services: {} };
  }
  return compose as Compose;
}

/** KEY=VALUE lines; comments and blank lines skipped. */
export function parseDotEnv(text: string): Env {
  const env: Env = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match?.[1] !== undefined) env[match[1]] = (match[2] ?? '').trim();
  }
  return env;
}

export function environmentOf(service: ComposeService | undefined): Env {
  const env: Env = {};
  const raw = service?.environment ?? {};
  const entries = Array.isArray(raw) ? raw.map((item) => item.split(/=(.*)/s, 2) as [string, string?]) : Object.entries(raw);
  for (const [name, value] of entries) if (value !== undefined && value !== null) env[name] = String(value);
  return env;
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}
export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): { args: Env; stages: Stage[] } {
  const args: Env = {};
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const start = index + 1;
    let line = lines[index] ?? '';
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && index + 1 < lines.length) {
      index += 1;
      const next = lines[index] ?? '';
      line = line.replace(/\\\s*$/, ' ') + (/^\s*#/.test(next) ? '' : next.trim());
    }
    const match = /^\s*([A-Za-z]+)\s+(.*)$/s.exec(line);
    if (!match) continue;
    const instruction = { keyword: (match[1] ?? '').toUpperCase(), args: (match[2] ?? '').trim(), line: start };
    if (instruction.keyword === 'FROM') {
      const [from = '', , name] = instruction.args.split(/\s+/);
      stages.push({ name: name ?? String(stages.length), from, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name = '', value = ''] = instruction.args.split(/=(.*)/s);
      args[name] = value;
    } else stages.at(-1)?.instructions.push(instruction);
  }
  return { args, stages };
}

/** `ENV` of a stage and of the stages it is built FROM: what the image gives every process (PATH aside). */
export function imageEnv(dockerfile: string, target: string): Env {
  const { stages } = parseDockerfile(dockerfile);
  const chain: Stage[] = [];
  for (let stage = stages.find((s) => s.name === target); stage !== undefined; stage = stages.find((s) => s.name === stage?.from)) chain.unshift(stage);
  if (chain.length === 0) throw new Error(`Dockerfile: no stage ${target}`);
  const env: Env = {};
  for (const instruction of chain.flatMap((stage) => stage.instructions).filter((i) => i.keyword === 'ENV')) {
    for (const pair of instruction.args.split(/\s+/)) {
      const [name = '', value = ''] = pair.split(/=(.*)/s);
      if (name !== '' && name !== 'PATH') env[name] = value;
    }
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// The secrets volume

/** Where docker-compose.yml mounts the `secrets` volume in every container. */
export const SECRETS_MOUNT = '/run/secrets/walletgraph';
export const SECRETS_SERVICE = 'secrets';
export const SECRETS_SCRIPT = 'deploy/secrets.mjs';

export const composeFiles = {
  base: [{ file: 'docker-compose.yml', text: read('docker-compose.yml') }],
  scale: [
    { file: 'docker-compose.yml', text: read('docker-compose.yml') },
    { file: 'docker-compose.scale.yml', text: read('docker-compose.scale.yml') },
  ],
};

/** The compose model and its interpolation problems, given the variables of the shell or `.env`. */
export function load(files: ReadonlyArray<{ file: string; text: string }>, env: Env = {}): { compose: Compose; problems: Problems } {
  const problems: Problems = [];
  return { compose: loadCompose(files, env, problems), problems };
}

/** The secrets and derived files the `secrets` service declares (SECRET_<NAME>, DERIVED_<NAME>). */
export function declaredSecrets(compose: Compose): { secrets: string[]; derived: string[] } {
  const env = environmentOf(compose.services[SECRETS_SERVICE]);
  const names = (prefix: string): string[] =>
    Object.keys(env)
      .filter((k) => k.startsWith(prefix))
      .map((k) => k.slice(prefix.length));
  return { secrets: names('SECRET_'), derived: names('DERIVED_') };
}

/** A service's environment with the secrets mount replaced by a directory on this machine. */
export function withSecretsDir(env: Env, dir: string): Env {
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [
      name,
      value.startsWith(`${SECRETS_MOUNT}/`) || value === SECRETS_MOUNT ? dir + value.slice(SECRETS_MOUNT.length) : value,
    ]),
  );
}

export interface ScriptRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real deploy/secrets.mjs as the `secrets` service runs it: its compose environment, the
 * volume being `dir`. Not root here, the files go to our own uid instead of the services' 1000.
 */
export function runSecretsScript(compose: Compose, dir: string, options: { args?: readonly string[]; rewrite?: (env: Env) => Env } = {}): ScriptRun {
  let env = withSecretsDir(environmentOf(compose.services[SECRETS_SERVICE]), dir);
  if (process.getuid?.() !== 0) env['SECRETS_OWNER'] = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
  if (options.rewrite) env = options.rewrite(env);
  const result = spawnSync(process.execPath, [path.join(root, SECRETS_SCRIPT), ...(options.args ?? [])], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
