import { DEFAULT_KAFKA_ACCESS_NAMES, kafkaAccessNames, toAclEntry, walletgraphAclRules, walletgraphTopics, type KafkaAclRule } from './access.js';

const rules = walletgraphAclRules();
const { topics, principals } = DEFAULT_KAFKA_ACCESS_NAMES;
/** Who may do `operation` on `name` (literal rules, or prefixed rules whose prefix matches). */
const who = (resource: KafkaAclRule['resource'], name: string, operation: KafkaAclRule['operation']) =>
  [
    ...new Set(
      rules
        .filter(
          (r) =>
            r.resource === resource && r.operation === operation && (r.pattern === 'literal' ? r.name === name || r.name === '*' : name.startsWith(r.name)),
        )
        .map((r) => r.principal),
    ),
  ].sort();

describe('walletgraph ACLs (least privilege)', () => {
  it('only the wallet writes the event topics', () => {
    expect(who('topic', topics.balances, 'write')).toEqual([principals.wallet]);
    expect(who('topic', topics.transactions, 'write')).toEqual([principals.wallet]);
  });

  it('only the balance subgraph writes balances.live and balances.dlq', () => {
    expect(who('topic', topics.balancesLive, 'write')).toEqual([principals.balance]);
    expect(who('topic', topics.balancesDeadLetter, 'write')).toEqual([principals.balance]);
  });

  it('only the balance subgraph joins its projector group and its per-instance live groups', () => {
    expect(who('group', 'walletgraph-balance', 'read')).toEqual([principals.balance]);
    expect(who('group', 'walletgraph-balance-live-0d5bb6b2-3a4c-4d0e-9b1a-7f7e1c2d3e4f', 'read')).toEqual([principals.balance]);
    expect(rules).toContainEqual({
      principal: principals.balance,
      resource: 'group',
      name: 'walletgraph-balance-live-',
      pattern: 'prefixed',
      operation: 'read',
    });
  });

  it('the reconciler only describes balances and the projector group', () => {
    expect(rules.filter((r) => r.principal === principals.reconciler)).toEqual([
      { principal: 'reconciler', resource: 'topic', name: topics.balances, pattern: 'literal', operation: 'describe' },
      { principal: 'reconciler', resource: 'group', name: 'walletgraph-balance', pattern: 'literal', operation: 'describe' },
    ]);
  });

  it('the admin creates topics and manages ACLs, and reads or writes no message', () => {
    const admin = rules.filter((r) => r.principal === principals.admin);
    expect(admin.some((r) => r.operation === 'read' || r.operation === 'write')).toBe(false);
    expect(admin).toContainEqual({ principal: 'admin', resource: 'cluster', name: 'kafka-cluster', pattern: 'literal', operation: 'create' });
  });

  it('the observer never writes and joins only groups of its own prefix', () => {
    const observer = rules.filter((r) => r.principal === principals.observer);
    expect(observer.some((r) => r.operation === 'write' || r.operation === 'create' || r.operation === 'alter')).toBe(false);
    expect(observer.filter((r) => r.resource === 'group' && r.operation === 'read')).toEqual([
      { principal: 'observer', resource: 'group', name: 'walletgraph-observer-', pattern: 'prefixed', operation: 'read' },
    ]);
  });

  it('follows the names it is given (tests use topics and groups of their own)', () => {
    const custom = walletgraphAclRules(
      kafkaAccessNames({ topics: { balances: 't.balances' }, balanceGroup: 't-group', balanceLiveGroupPrefix: 't-live', principals: { wallet: 'walletcore' } }),
    );
    expect(custom).toContainEqual({ principal: 'walletcore', resource: 'topic', name: 't.balances', pattern: 'literal', operation: 'write' });
    expect(custom).toContainEqual({ principal: 'balance', resource: 'group', name: 't-group', pattern: 'literal', operation: 'read' });
    expect(custom).toContainEqual({ principal: 'balance', resource: 'group', name: 't-live-', pattern: 'prefixed', operation: 'read' });
  });

  it('maps a rule to an ALLOW binding for User:<name>', () => {
    expect(toAclEntry({ principal: 'wallet', resource: 'topic', name: 'balances', pattern: 'literal', operation: 'write' })).toEqual({
      resourceType: 2,
      resourceName: 'balances',
      resourcePatternType: 3,
      principal: 'User:wallet',
      host: '*',
      operation: 4,
      permissionType: 3,
    });
  });

  it('keeps events 7 days, dead letters 30, the live fan-out 1 hour', () => {
    expect(walletgraphTopics().map((t) => [t.topic, t.retentionMs])).toEqual([
      ['transactions', 604_800_000],
      ['balances', 604_800_000],
      ['balances.dlq', 2_592_000_000],
      ['balances.live', 3_600_000],
    ]);
  });
});
