// Compile-time guarantees and generated-code freshness, checked the way CI would: by running
// tsc and the codegen check as child processes.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const sdkDir = path.resolve(__dirname, '..');
const tscBin = require.resolve('typescript/bin/tsc');

async function tsc(project: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(process.execPath, [tscBin, '-p', project, '--pretty', 'false'], { cwd: sdkDir });
    return { code: 0, output: stdout };
  } catch (error: unknown) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? 1, output: failed.stdout ?? '' };
  }
}

/** `line:TSxxxx` for every `// expect-error TSxxxx` marker in the file. */
async function expectedErrors(file: string): Promise<string[]> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  return lines.flatMap((line, index) => {
    const match = /\/\/ expect-error (TS\d+)/.exec(line);
    return match === null ? [] : [`${index + 1}:${match[1]}`];
  });
}

test('a wrong field or variable type fails to compile, with the expected errors on the marked lines', async () => {
  const { code, output } = await tsc('test/types/tsconfig.fail.json');
  expect(code).not.toBe(0);
  const actual = [...output.matchAll(/must-fail\.ts\((\d+),\d+\): error (TS\d+)/g)].map((match) => `${match[1]}:${match[2]}`);
  const expected = await expectedErrors(path.join(sdkDir, 'test/types/must-fail.ts'));
  expect(expected.length).toBeGreaterThanOrEqual(8);
  expect(actual).toEqual(expected);
});

test('correct usage compiles', async () => {
  const { code, output } = await tsc('test/types/tsconfig.pass.json');
  expect(output).toBe('');
  expect(code).toBe(0);
});

async function check(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, ['scripts/check.mjs', ...args], { cwd: sdkDir });
    return { code: 0, stderr };
  } catch (error: unknown) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? 1, stderr: failed.stderr ?? '' };
  }
}

test('generated code is up to date with gateway/supergraph.graphql', async () => {
  const { code, stderr } = await check();
  expect(stderr).toContain('up to date');
  expect(code).toBe(0);
});

test('the check fails when the supergraph changed after generation', async () => {
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'walletgraph-sdk-stale-'));
  try {
    const supergraph = await readFile(path.join(sdkDir, '../gateway/supergraph.graphql'), 'utf8');
    const changed = supergraph.replace(/(type Balance\n[^{]*\{\n)/, '$1  currency: String\n');
    expect(changed).not.toBe(supergraph);
    await writeFile(path.join(tempDir, 'supergraph.graphql'), changed);
    const { code, stderr } = await check('--supergraph', path.join(tempDir, 'supergraph.graphql'));
    expect(code).toBe(1);
    expect(stderr).toContain('schema.graphql');
    expect(stderr).toContain('src/generated/schema-types.ts');
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
});

// The gateway's trusted-documents manifest is the SDK's operations; CI fails when the committed
// one no longer matches them (an operation changed but `npm run generate` was not committed).
test('the check fails when an operation changed after the manifest was generated', async () => {
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'walletgraph-sdk-ops-'));
  try {
    for (const file of await readdir(path.join(sdkDir, 'src/operations'))) {
      await writeFile(path.join(tempDir, file), await readFile(path.join(sdkDir, 'src/operations', file), 'utf8'));
    }
    const queries = await readFile(path.join(tempDir, 'queries.graphql'), 'utf8');
    const changed = queries.replace(
      'query Balance($accountId: ID!, $minVersion: Int) {\n  balance(accountId: $accountId, minVersion: $minVersion) {\n',
      '$&    account {\n      id\n    }\n',
    );
    expect(changed).not.toBe(queries);
    await writeFile(path.join(tempDir, 'queries.graphql'), changed);
    const { code, stderr } = await check('--operations', tempDir);
    expect(code).toBe(1);
    expect(stderr).toContain('persisted-query-manifest.json');
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
});

test("the committed manifest is Apollo's format, each id the sha256 of its body", async () => {
  const manifest = JSON.parse(await readFile(path.join(sdkDir, 'persisted-query-manifest.json'), 'utf8')) as {
    format: string;
    version: number;
    operations: Array<{ id: string; name: string; type: string; body: string }>;
  };
  expect(manifest).toMatchObject({ format: 'apollo-persisted-query-manifest', version: 1 });
  expect(manifest.operations.map((operation) => operation.name).sort()).toEqual([
    'Account',
    'AccountTransactions',
    'Balance',
    'BalanceUpdated',
    'Client',
    'CreateAccount',
    'CreateClient',
    'CreateTransaction',
    'Deposit',
  ]);
  for (const operation of manifest.operations) expect(createHash('sha256').update(operation.body).digest('hex')).toBe(operation.id);
});
