#!/usr/bin/env node
// CPU cost per read of the gateway's admission checks (trusted documents, demand control), in
// process, without the noise of a shared machine's subgraphs and sockets: Apollo Server's pipeline on
// the supergraph's API schema, resolvers answering from memory, with and without the two plugins.
//   npm run build -w @walletgraph/gateway && node bench/tools/admission-overhead.mjs [operations per round]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = (file) => require(path.join(root, 'gateway/dist', file));
const { Supergraph } = require('@apollo/federation-internals');
const { ApolloServer } = require('@apollo/server');
const { createLogger } = require('@walletgraph/platform/core');
const { createDemandControl, createDemandControlPlugin } = dist('cost/demand-control.js');
const { readSchemaCosts } = dist('cost/schema-costs.js');
const { createMetrics } = dist('http/metrics.js');
const { parseManifest, sha256Hex } = dist('trusted-documents/manifest.js');
const { createTrustedDocumentPolicy } = dist('trusted-documents/policy.js');
const { createTrustedDocumentsPlugin } = dist('trusted-documents/plugin.js');
const { readQuery } = await import('../scenarios/read.mjs');

const operationsPerRound = Number(process.argv[2] ?? 20_000);
const rounds = 6;
const supergraph = Supergraph.build(readFileSync(path.join(root, 'gateway/supergraph.graphql'), 'utf8'));
const schema = supergraph.apiSchema().toGraphQLJSSchema();
const metrics = createMetrics({ planCacheStats: () => ({ sizeBytes: 0, entryCount: 0, hitCount: 0, missCount: 0, evictionCount: 0 }) });
const demandControl = createDemandControl({ apiSchema: schema, costs: readSchemaCosts(supergraph.schema), metrics }, { mode: 'enforce', max: 5_000 });
// The strictest mode, with the bench's read in the manifest: every read is looked up.
const manifest = JSON.parse(readFileSync(path.join(root, 'sdk/persisted-query-manifest.json'), 'utf8'));
manifest.operations.push({ id: sha256Hex(readQuery), name: 'Read', type: 'query', body: readQuery });
const policy = createTrustedDocumentPolicy(parseManifest(JSON.stringify(manifest), 'bench'), { mode: 'all' });

const rootValue = { account: ({ id }) => ({ id, client: { name: 'Bench', email: 'bench@bench.test' }, balance: { amount: '1000000.00', version: 1 } }) };
const contextValue = { identity: { role: 'admin', subject: 'bench' }, logger: createLogger({ name: 'admission-overhead', level: 'silent' }) };

async function server(plugins) {
  const apollo = new ApolloServer({ schema, rootValue, plugins });
  await apollo.start();
  return apollo;
}

/** CPU microseconds per operation over one round. */
async function round(apollo) {
  const started = process.cpuUsage();
  for (let i = 0; i < operationsPerRound; i += 1) {
    const response = await apollo.executeOperation({ query: readQuery, variables: { id: `account-${i % 2_000}` }, operationName: 'Read' }, { contextValue });
    if (response.body.kind !== 'single' || response.body.singleResult.errors !== undefined)
      throw new Error(`unexpected answer: ${JSON.stringify(response.body)}`);
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / operationsPerRound;
}

const targets = {
  off: await server([]),
  on: await server([createTrustedDocumentsPlugin({ policy }), createDemandControlPlugin(demandControl)]),
};
const samples = { off: [], on: [] };
for (const apollo of Object.values(targets)) await round(apollo);
// Alternating rounds, so a change in the machine's load falls on both.
for (let i = 0; i < rounds; i += 1) for (const [name, apollo] of Object.entries(targets)) samples[name].push(await round(apollo));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const [name, values] of Object.entries(samples))
  console.log(`${name.padEnd(4)} ${values.map((v) => v.toFixed(1)).join(' ')} µs/op, median ${median(values).toFixed(1)}`);
console.log(`admission checks: +${(median(samples.on) - median(samples.off)).toFixed(1)} µs CPU per read`);
await Promise.all(Object.values(targets).map((apollo) => apollo.stop()));
