// graphql-http's own GraphQL-over-HTTP conformance audits against the real gateway, with only the
// bearer token added to each request. No audit may fail; every warning or notice left must be the
// one gateway/README.md lists with its reason (so the list cannot go stale in either direction).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { auditServer } from 'graphql-http';
import { adminAuthorization } from '../auth';
import { startStack, type Stack } from '../stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** Audit ids of the README's "GraphQL over HTTP conformance" table (`| \`572B\` | …`). */
function documentedAuditIds(): string[] {
  const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const start = readme.indexOf('### GraphQL over HTTP conformance');
  if (start < 0) throw new Error('gateway/README.md has no "### GraphQL over HTTP conformance" section');
  const end = readme.indexOf('\n#', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^\| `([0-9A-F]{4})` \|/gm)].map((match) => match[1] as string).sort();
}

it('passes every graphql-http server audit; the warnings left are the documented ones', async () => {
  const authorization = await adminAuthorization();
  const fetchFn = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set('authorization', authorization);
    return fetch(input, { ...init, headers });
  };
  const results = await auditServer({ url: stack.url, fetchFn });
  const failed = results
    .filter((result) => result.status === 'error')
    .map((result) => `${result.id} ${result.name}: ${'reason' in result ? result.reason : ''}`);
  expect(failed).toEqual([]);
  const warned = results
    .filter((result) => result.status === 'warn' || result.status === 'notice')
    .map((result) => result.id)
    .sort();
  expect(warned).toEqual(documentedAuditIds());
  expect(results.length).toBeGreaterThan(50);
});
