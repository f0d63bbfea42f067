import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { createLogger } from '@walletgraph/platform/core';
import { createMetrics } from '../metrics/metrics';
import { supergraphFile } from '../supergraph/compose';
import { createDemandControl } from './demand-control';
import { readSchemaCosts } from './schema-costs';

const supergraph = Supergraph.build(readFileSync(supergraphFile, 'utf8'));
const apiSchema = supergraph.apiSchema().toGraphQLJSSchema();
const costs = readSchemaCosts(supergraph.schema);
const logger = createLogger({ name: 'demand-control-test', level: 'silent' });

function setUp(mode: 'enforce' | 'measure', max: number) {
  const metrics = createMetrics({ planCacheStats: () => ({ sizeBytes: 0, entryCount: 0, hitCount: 0, missCount: 0, evictionCount: 0 }) });
  return { metrics, demandControl: createDemandControl({ apiSchema, costs, metrics }, { mode, max }) };
}

function operationOf(source: string) {
  const document = parse(source);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operation === undefined) throw new Error('no operation');
  return { document, operation };
}

const page = 'query Page($id: ID!, $first: Int) { account(id: $id) { transactions(first: $first) { edges { cursor } } } }';

describe('demand control', () => {
  it('refuses over the maximum (enforce), naming the estimate and the maximum', () => {
    const { demandControl } = setUp('enforce', 50);
    const { document, operation } = operationOf(page);
    expect(demandControl.admit(document, operation, { id: 'a', first: 48 })).toMatchObject({ ok: true, estimatedCost: 50 });
    const refused = demandControl.admit(document, operation, { id: 'a', first: 49 });
    expect(refused).toMatchObject({ ok: false });
    if (refused === undefined || refused.ok) throw new Error('expected a refusal');
    expect(refused.error.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', estimatedCost: 51, maxCost: 50 });
    expect(refused.error.message).toBe(
      'operation Page has an estimated cost of 51; the maximum is 50. Ask for fewer items (first/last), fewer nested lists or fewer aliases',
    );
  });

  it('only measures in measure mode', async () => {
    const { demandControl, metrics } = setUp('measure', 50);
    const { document, operation } = operationOf(page);
    expect(demandControl.admit(document, operation, { id: 'a', first: 100 })).toMatchObject({ ok: true, estimatedCost: 102 });
    expect(await metrics.registry.getSingleMetricAsString('gateway_operation_cost_estimated')).toContain(
      'gateway_operation_cost_estimated_sum{operation_type="query"} 102',
    );
  });

  it('compiles a document once, however often it runs', () => {
    const { demandControl } = setUp('enforce', 5_000);
    const { document, operation } = operationOf(page);
    const first = demandControl.admit(document, operation, { id: 'a', first: 10 });
    const second = demandControl.admit(document, operation, { id: 'b', first: 20 });
    if (first === undefined || !first.ok || second === undefined || !second.ok) throw new Error('expected both admitted');
    expect(second.compiled).toBe(first.compiled);
    expect([first.estimatedCost, second.estimatedCost]).toEqual([12, 22]);
  });

  it('never throws while scoring an answer it did not expect', () => {
    const { demandControl } = setUp('enforce', 5_000);
    const { document, operation } = operationOf(page);
    const admitted = demandControl.admit(document, operation, { id: 'a' });
    if (admitted === undefined || !admitted.ok) throw new Error('expected admitted');
    for (const data of [undefined, null, 'x', [], { account: 'x' }, { account: { transactions: { edges: 'x' } } }]) {
      expect(() => demandControl.observeActual(admitted, data, { logger })).not.toThrow();
    }
  });
});
