import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { checkImports, readSources, readSourceTexts, RULES, type SourceImports } from './support/import-rules';

const root = path.resolve(__dirname, '../..');
const FOLDERS = ['platform/src', 'subgraph-wallet/src', 'subgraph-balance/src', 'gateway/src'];

describe('import rules (the layering, checked on every source file)', () => {
  it('the tree keeps every rule', () => {
    const sources = readSources(root, FOLDERS);
    expect(sources.length).toBeGreaterThan(100);
    expect(checkImports(sources)).toEqual([]);
  });

  // Each rule is shown to refuse what it names, on a made-up tree beside one file that keeps it.
  const refused: readonly [string, SourceImports[]][] = [
    ['core importing the Kafka client', [{ file: 'platform/src/core/retry/retry.ts', imports: ['kafkajs'] }]],
    [
      'core importing another door',
      [
        { file: 'platform/src/core/errors/app-error.ts', imports: ['../../auth/tokens.js'] },
        { file: 'platform/src/auth/tokens.ts', imports: [] },
      ],
    ],
    [
      'a door importing another door',
      [
        { file: 'platform/src/http/node-http.ts', imports: ['../db/pool.js'] },
        { file: 'platform/src/db/pool.ts', imports: [] },
      ],
    ],
    [
      'a door importing core past its index',
      [
        { file: 'platform/src/db/pool.ts', imports: ['../core/errors/app-error.js'] },
        { file: 'platform/src/core/errors/app-error.ts', imports: [] },
      ],
    ],
    ['the db door importing the Kafka client', [{ file: 'platform/src/db/pool.ts', imports: ['kafkajs'] }]],
    ['the domain importing the auth door', [{ file: 'subgraph-wallet/src/domain/money.ts', imports: ['@walletgraph/platform/auth'] }]],
    [
      'the domain importing the store',
      [
        { file: 'subgraph-wallet/src/domain/transfer.ts', imports: ['../store/accounts.js'] },
        { file: 'subgraph-wallet/src/store/accounts.ts', imports: [] },
      ],
    ],
    ['a resolver importing the kafka door', [{ file: 'subgraph-wallet/src/resolvers/index.ts', imports: ['@walletgraph/platform/kafka'] }]],
    ['a resolver importing kafkajs', [{ file: 'subgraph-balance/src/resolvers/balance-resolvers.ts', imports: ['kafkajs'] }]],
    ['HTTP importing the db door', [{ file: 'subgraph-wallet/src/http/errors.ts', imports: ['@walletgraph/platform/db'] }]],
    ['a REST route importing the Prisma client', [{ file: 'subgraph-balance/src/rest/balance-routes.ts', imports: ['@prisma/client'] }]],
    [
      'a REST route importing the generated Prisma client',
      [
        { file: 'subgraph-wallet/src/rest/server.ts', imports: ['../generated/prisma/client.js'] },
        { file: 'subgraph-wallet/src/generated/prisma/client.ts', imports: [] },
      ],
    ],
    ['the gateway importing the db door', [{ file: 'gateway/src/app.ts', imports: ['@walletgraph/platform/db'] }]],
    ['the gateway importing kafkajs', [{ file: 'gateway/src/subgraphs/data-sources.ts', imports: ['kafkajs'] }]],
    [
      'subgraphs (a feature) importing HTTP',
      [
        { file: 'gateway/src/subgraphs/data-sources.ts', imports: ['../http/graphql-http.js'] },
        { file: 'gateway/src/http/graphql-http.ts', imports: [] },
      ],
    ],
    [
      'auth importing HTTP',
      [
        { file: 'gateway/src/auth/rate-limit.ts', imports: ['../http/body.js'] },
        { file: 'gateway/src/http/body.ts', imports: [] },
      ],
    ],
    [
      'HTTP importing the subscriptions',
      [
        { file: 'gateway/src/http/router.ts', imports: ['../subscriptions/sse-routing.js'] },
        { file: 'gateway/src/subscriptions/sse-routing.ts', imports: [] },
      ],
    ],
    [
      'metrics (foundation) importing a feature',
      [
        { file: 'gateway/src/metrics/metrics.ts', imports: ['../cost/estimate.js'] },
        { file: 'gateway/src/cost/estimate.ts', imports: [] },
      ],
    ],
    [
      'a gateway folder in no layer',
      [
        { file: 'gateway/src/newthing/x.ts', imports: ['../config.js'] },
        { file: 'gateway/src/config.ts', imports: [] },
      ],
    ],
  ];
  it.each(refused)('refuses %s', (_name, sources) => {
    const violations = checkImports(sources);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.file).toBe(sources[0]?.file);
  });

  it('allows what the layering allows', () => {
    const allowed: SourceImports[] = [
      { file: 'platform/src/core/retry/retry.ts', imports: ['../errors/index.js', 'pino'] },
      { file: 'platform/src/core/errors/index.ts', imports: [] },
      { file: 'platform/src/kafka/contracts.ts', imports: ['../core/index.js', 'kafkajs'] },
      { file: 'platform/src/core/index.ts', imports: [] },
      { file: 'subgraph-wallet/src/domain/transfer.ts', imports: ['@walletgraph/platform/core', './money.js', 'decimal.js'] },
      { file: 'subgraph-wallet/src/domain/money.ts', imports: [] },
      { file: 'subgraph-wallet/src/resolvers/context.ts', imports: ['@walletgraph/platform/auth', '../use-cases/wallet.js'] },
      { file: 'subgraph-wallet/src/use-cases/wallet.ts', imports: ['../outbox/events.js'] },
      { file: 'subgraph-wallet/src/outbox/events.ts', imports: ['@walletgraph/platform/kafka'] },
      { file: 'gateway/src/subscriptions/sse.ts', imports: ['../http/body.js', '../context/request-context.js'] },
      { file: 'gateway/src/http/body.ts', imports: [] },
      { file: 'gateway/src/context/request-context.ts', imports: ['@walletgraph/platform/auth', '@walletgraph/platform/http'] },
    ];
    expect(checkImports(allowed)).toEqual([]);
  });

  it('every rule is exercised above', () => {
    const exercised = new Set(refused.flatMap(([, sources]) => checkImports(sources).map((violation) => violation.rule.split(':')[0])));
    expect([...exercised].sort()).toEqual(RULES.map((rule) => rule.name).sort());
  });
});

describe('broken invariants fail through assert()', () => {
  it('no source throws its own "invariant violated" error (assert in platform core is the one place)', () => {
    const handWritten = readSourceTexts(root, FOLDERS)
      .filter((source) => source.file !== 'platform/src/core/errors/app-error.ts' && /throw new Error\(\s*[`'"]invariant violated/.test(source.text))
      .map((source) => source.file);
    expect(handWritten).toEqual([]);
  });
});

describe('what each built door loads (npm test builds first)', () => {
  /** The I/O libraries (and the OpenTelemetry SDK) a fresh process has loaded after requiring one door from platform/dist. */
  function librariesLoadedBy(door: string): string[] {
    const entry = path.join(root, 'platform/dist', door, 'index.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
    const script = `require(${JSON.stringify(entry)}); const found = new Set(); for (const key of Object.keys(require.cache)) { const m = /node_modules[\\\\/](kafkajs|mariadb|jose|@opentelemetry[\\\\/]sdk-trace-node)[\\\\/]/.exec(key); if (m) found.add(m[1]); } console.log(JSON.stringify([...found].sort()));`;
    return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
  }

  it.each([
    ['core', []],
    ['http', []],
    ['auth', ['jose']],
    ['db', ['mariadb']],
    ['kafka', ['kafkajs']],
    // The SDK is required only by startTracing with an exporter configured: off costs nothing.
    ['tracing', []],
  ])('%s loads %j', (door, libraries) => {
    expect(librariesLoadedBy(door)).toEqual(libraries);
  });
});
