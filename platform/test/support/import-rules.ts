// The layering rules of the repository, checked on the import statements of every source file
// (type-only imports included: a layer that names another's types depends on it). Run by
// import-rules.test.ts in `npm test`; a forbidden import fails it with the file, the import and the rule.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One source file and what it imports, as written (`'../store/records.js'`, `'kafkajs'`). */
export interface SourceImports {
  /** Repository-relative, with forward slashes: `subgraph-wallet/src/domain/money.ts`. */
  readonly file: string;
  readonly imports: readonly string[];
}

export interface Violation {
  readonly file: string;
  readonly specifier: string;
  readonly rule: string;
}

interface Rule {
  readonly name: string;
  /** Which files the rule governs. */
  readonly governs: (file: string) => boolean;
  /** A reason when `specifier` (resolved to `target` when relative) breaks the rule. */
  readonly refuses: (specifier: string, target: string | undefined, file: string) => string | undefined;
}

const DB_OR_KAFKA = ['@walletgraph/platform/db', '@walletgraph/platform/kafka', 'kafkajs', 'mariadb', '@prisma/client', '@prisma/adapter-mariadb'];

const isPackage = (specifier: string, names: readonly string[]): boolean => names.some((name) => specifier === name || specifier.startsWith(`${name}/`));
const under =
  (folder: string) =>
  (file: string): boolean =>
    file.startsWith(`${folder}/`);
const insideOf = (target: string | undefined, folder: string): boolean => target !== undefined && target.startsWith(`${folder}/`);

/** The platform's doors: the packages each may import (and their sub-paths) besides its own folder and core. */
const PLATFORM_DOOR_LIBRARIES: Readonly<Record<string, readonly string[]>> = {
  // @opentelemetry/api is the tracing API alone (a no-op until the tracing door starts the SDK):
  // core reads the active span for log lines, http opens the server span of a request.
  core: ['zod', 'pino', 'lossless-json', 'node:fs', '@opentelemetry/api'],
  http: ['node:http', 'node:crypto', 'node:net', '@apollo/server', 'graphql', '@opentelemetry/api'],
  db: ['mariadb', 'pino', 'node:crypto', 'node:fs/promises', 'node:path'],
  kafka: ['kafkajs', 'pino', 'zod'],
  auth: ['jose', 'zod', 'node:http'],
  tracing: [
    '@opentelemetry/api',
    '@opentelemetry/sdk-trace-node',
    '@opentelemetry/sdk-trace-base',
    '@opentelemetry/resources',
    '@opentelemetry/core',
    '@opentelemetry/exporter-zipkin',
    '@opentelemetry/exporter-trace-otlp-http',
    '@prisma/instrumentation',
    'zod',
    // RecordingScopeContextManager's AsyncLocalStorage (node core, no library).
    'node:async_hooks',
  ],
};

/**
 * The gateway's layers, lowest first: a module imports from its own layer or a lower one. A new
 * top-level folder or file has no layer until it is added here (the rule says so).
 */
export const GATEWAY_LAYERS: readonly (readonly string[])[] = [
  /* foundation: what every layer may use */ ['config.ts', 'cluster-ipc.ts', 'cache', 'context', 'metrics'],
  /* features */ ['auth', 'cost', 'limits', 'inputs', 'trusted-documents', 'subgraphs', 'supergraph', 'playground'],
  /* GraphQL over HTTP, the router, health, CORS */ ['http'],
  /* WebSocket and SSE subscriptions (they use HTTP's body reader and error format) */ ['subscriptions'],
  /* wiring (heap.ts: V8 flags set at start) */ ['app.ts', 'main.ts', 'cluster.ts', 'heap.ts'],
];

function gatewayLayerOf(file: string): number | undefined {
  const top = file.slice('gateway/src/'.length).split('/')[0] ?? '';
  const index = GATEWAY_LAYERS.findIndex((layer) => layer.includes(top));
  return index === -1 ? undefined : index;
}

export const RULES: readonly Rule[] = [
  {
    name: 'platform core imports no I/O library and no other door',
    governs: under('platform/src/core'),
    refuses: (specifier, target) => {
      if (target !== undefined) return insideOf(target, 'platform/src/core') ? undefined : 'core reaches outside core';
      return isPackage(specifier, PLATFORM_DOOR_LIBRARIES['core'] ?? []) ? undefined : `core may import only ${PLATFORM_DOOR_LIBRARIES['core']?.join(', ')}`;
    },
  },
  {
    name: 'a platform door imports its own library and core, never another door',
    governs: (file) => file.startsWith('platform/src/') && !under('platform/src/core')(file),
    refuses: (specifier, target, file) => {
      const door = file.split('/')[2] ?? '';
      if (target !== undefined)
        return insideOf(target, `platform/src/${door}`) || target === 'platform/src/core/index.ts'
          ? undefined
          : `${door} may import core only through core/index.ts, and no other door`;
      return isPackage(specifier, PLATFORM_DOOR_LIBRARIES[door] ?? [])
        ? undefined
        : `the ${door} door may import only ${PLATFORM_DOOR_LIBRARIES[door]?.join(', ') ?? 'nothing (unknown door)'}`;
    },
  },
  {
    name: 'the wallet domain imports only platform core (pure rules)',
    governs: under('subgraph-wallet/src/domain'),
    refuses: (specifier, target) => {
      if (target !== undefined) return insideOf(target, 'subgraph-wallet/src/domain') ? undefined : 'the domain imports nothing outside domain/';
      return ['@walletgraph/platform/core', 'decimal.js', 'node:crypto'].includes(specifier)
        ? undefined
        : 'the domain may import only @walletgraph/platform/core, decimal.js and node:crypto';
    },
  },
  {
    name: 'resolvers and HTTP adapters never import Kafka or the database',
    governs: (file) => /^subgraph-(wallet|balance)\/src\/(resolvers|http|rest)\//.test(file),
    refuses: (specifier, target) => {
      if (target !== undefined)
        return /\/src\/(generated|store\/prisma|store\/database)\b/.test(target)
          ? 'resolvers and HTTP reach the database through use cases and repositories'
          : undefined;
      return isPackage(specifier, DB_OR_KAFKA) ? 'resolvers and HTTP reach Kafka only through the outbox, and the database through repositories' : undefined;
    },
  },
  {
    name: 'the gateway never imports the database or Kafka',
    governs: under('gateway/src'),
    refuses: (specifier) => (isPackage(specifier, DB_OR_KAFKA) ? 'the gateway has no database and no Kafka client' : undefined),
  },
  {
    name: 'gateway layers import only their own layer or lower ones',
    governs: under('gateway/src'),
    refuses: (_specifier, target, file) => {
      if (target === undefined) return undefined;
      const from = gatewayLayerOf(file);
      const to = gatewayLayerOf(target);
      if (from === undefined) return `${file} is in no layer: add its folder to GATEWAY_LAYERS`;
      if (to === undefined) return `${target} is in no layer: add its folder to GATEWAY_LAYERS`;
      return to > from ? `an arrow up: ${GATEWAY_LAYERS[from]?.join('/')} (layer ${from}) imports ${GATEWAY_LAYERS[to]?.join('/')} (layer ${to})` : undefined;
    },
  },
];

/** `./x.js` from `a/b/c.ts` → `a/b/x.ts` (folders resolve to their index.ts). */
function resolveRelative(file: string, specifier: string, exists: (file: string) => boolean): string {
  const base = path.posix.join(path.posix.dirname(file), specifier).replace(/\.(js|ts|mjs)$/, '');
  for (const candidate of [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`]) if (exists(candidate)) return candidate;
  return `${base}.ts`;
}

export function checkImports(sources: readonly SourceImports[], rules: readonly Rule[] = RULES): Violation[] {
  const known = new Set(sources.map((source) => source.file));
  const violations: Violation[] = [];
  for (const source of sources) {
    const governing = rules.filter((rule) => rule.governs(source.file));
    for (const specifier of source.imports) {
      const target = specifier.startsWith('.') ? resolveRelative(source.file, specifier, (file) => known.has(file)) : undefined;
      for (const rule of governing) {
        const reason = rule.refuses(specifier, target, source.file);
        if (reason !== undefined) violations.push({ file: source.file, specifier, rule: `${rule.name}: ${reason}` });
      }
    }
  }
  return violations;
}

/** Every import, export-from, require and dynamic import of a file, as written. */
export function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((entry) => entry.fileName);
}

const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'generated', 'public']);

/** The production sources (no tests) of the given repository folders, with their text. */
export function readSourceTexts(root: string, folders: readonly string[]): { readonly file: string; readonly text: string }[] {
  const sources: { file: string; text: string }[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(child);
      } else if (/\.tsx?$/.test(entry.name) && !/\.(test|d)\.ts$/.test(entry.name)) {
        sources.push({ file: child, text: readFileSync(path.join(root, child), 'utf8') });
      }
    }
  };
  for (const folder of folders) walk(folder);
  return sources;
}

/** The production sources of the given repository folders and what each imports. */
export function readSources(root: string, folders: readonly string[]): SourceImports[] {
  return readSourceTexts(root, folders).map(({ file, text }) => ({ file, imports: importsOf(text) }));
}
