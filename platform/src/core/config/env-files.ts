import { readFileSync, statSync } from 'node:fs';

/**
 * `NAME_FILE=/path` gives NAME the content of that file: the convention of Docker and Kubernetes
 * secrets (and of the official database images), so a secret is mounted as a file and never sits
 * in the environment, `docker inspect` or a compose file.
 */
export const ENV_FILE_SUFFIX = '_FILE';
/** A secret file is small; anything larger is a wrong path (a log, a binary), not a value. */
export const ENV_FILE_BYTES_MAX = 64 * 1024;

export interface EnvFileProblem {
  /** The `NAME_FILE` variable at fault. */
  readonly variable: string;
  /** Names the path and what went wrong; never the file's content. */
  readonly message: string;
}

export interface ResolvedEnv {
  /** The input with each `NAME_FILE` read into NAME. */
  readonly env: Record<string, string | undefined>;
  /** The NAMEs whose value came from a file. */
  readonly fromFiles: readonly string[];
  readonly problems: readonly EnvFileProblem[];
}

function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** One file's value: its content less one trailing newline (what `echo … > file` adds). */
function readValue(path: string): { value: string } | { problem: string } {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return { problem: `${path} is not a regular file` };
    if (stat.size > ENV_FILE_BYTES_MAX) return { problem: `${path} is larger than ${ENV_FILE_BYTES_MAX} bytes` };
    const value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    return value === '' ? { problem: `${path} is empty` } : { value };
  } catch (error: unknown) {
    return { problem: `cannot read ${path} (${readProblem(error)})` };
  }
}

/**
 * Reads `NAME_FILE` for each of `names` (the variables a process reads). Setting both NAME and
 * NAME_FILE is a problem, as is a file that is missing, empty or unreadable: a secret that was
 * meant to come from a file never silently falls back to a default.
 */
export function resolveEnvFiles(env: Readonly<Record<string, string | undefined>>, names: Iterable<string>): ResolvedEnv {
  const resolved: Record<string, string | undefined> = { ...env };
  const fromFiles: string[] = [];
  const problems: EnvFileProblem[] = [];
  for (const name of names) {
    const variable = `${name}${ENV_FILE_SUFFIX}`;
    const path = env[variable];
    if (path === undefined || path === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      problems.push({ variable, message: `set either ${name} or ${variable}, not both` });
      continue;
    }
    const read = readValue(path);
    if ('problem' in read) problems.push({ variable, message: read.problem });
    else {
      resolved[name] = read.value;
      fromFiles.push(name);
    }
  }
  return { env: resolved, fromFiles, problems };
}
