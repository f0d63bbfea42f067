import { Kind, OperationTypeNode, parse, print, valueFromASTUntyped, type ArgumentNode, type FieldNode, type OperationDefinitionNode } from 'graphql';
import type { UpstreamEvent } from './upstream.js';

/** The subscription field that streams versions, and its resume argument (balance subgraph SDL). */
const RESUMABLE_FIELD = 'balanceUpdated';
const RESUME_ARGUMENT = 'afterVersion';
/** Names the gateway adds to the upstream operation; a client cannot clash with them (`__` is reserved in GraphQL). */
export const RESUME_VARIABLE = '__wgAfterVersion';
export const VERSION_ALIAS = '__wgVersion';

/** The version each delivered result carries (SSE event ids); the result objects stay as the client sees them. */
export const deliveredVersion = new WeakMap<object, number>();

export interface ResumableUpstream {
  /** The primary operation with `afterVersion: $__wgAfterVersion` and `__wgVersion: version`. */
  readonly query: string;
  /**
   * Sent on every (re)subscribe: graphql-ws sends this same object again after a reconnect, so
   * advancing `__wgAfterVersion` here makes the resubscription resume after the last delivered version.
   */
  readonly variables: Record<string, unknown>;
  /**
   * Records the event's version and removes the added alias. `deliver: false` for a version
   * already delivered (the event is dropped): the client sees each version once.
   */
  accept(event: UpstreamEvent): { readonly deliver: boolean; readonly version?: number };
  lastVersion(): number | undefined;
}

function resumableField(operation: OperationDefinitionNode): FieldNode | undefined {
  if (operation.operation !== OperationTypeNode.SUBSCRIPTION) return undefined;
  const fields = operation.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD);
  return fields.length === 1 && fields[0]?.name.value === RESUMABLE_FIELD ? fields[0] : undefined;
}

function initialVersion(argument: ArgumentNode | undefined, variables: Record<string, unknown>): unknown {
  if (argument === undefined) return null;
  return valueFromASTUntyped(argument.value, variables) ?? null;
}

/**
 * Rewrites the primary fetch of a `balanceUpdated` subscription so the gateway can resume it
 * upstream. Undefined for any other operation (it is sent as planned).
 */
export function resumableUpstream(primaryOperation: string, variables: Record<string, unknown>, resumeAfterVersion?: number): ResumableUpstream | undefined {
  const document = parse(primaryOperation);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const field = operation === undefined ? undefined : resumableField(operation);
  if (operation === undefined || field === undefined || field.selectionSet === undefined) return undefined;
  const given = field.arguments?.find((a) => a.name.value === RESUME_ARGUMENT);
  // The client's own variable, when it passed one, carries the resume point (its definition stays used).
  const clientVariable = given?.value.kind === Kind.VARIABLE ? given.value.name.value : undefined;
  const resumeVariable = clientVariable ?? RESUME_VARIABLE;
  const resumeArgument: ArgumentNode = {
    kind: Kind.ARGUMENT,
    name: { kind: Kind.NAME, value: RESUME_ARGUMENT },
    value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: resumeVariable } },
  };
  const versionSelection: FieldNode = { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: VERSION_ALIAS }, name: { kind: Kind.NAME, value: 'version' } };
  const rewrittenField: FieldNode = {
    ...field,
    arguments: [...(field.arguments ?? []).filter((a) => a !== given), resumeArgument],
    selectionSet: { ...field.selectionSet, selections: [...field.selectionSet.selections, versionSelection] },
  };
  const addedDefinition = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: RESUME_VARIABLE } },
    type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'Int' } },
  } as const;
  const rewritten: OperationDefinitionNode = {
    ...operation,
    variableDefinitions: [...(operation.variableDefinitions ?? []), ...(clientVariable === undefined ? [addedDefinition] : [])],
    selectionSet: { ...operation.selectionSet, selections: [rewrittenField] },
  };
  const responseKey = field.alias?.value ?? field.name.value;
  // Last-Event-ID (a reconnecting EventSource) is where the client is now, whatever its query says.
  const sent: Record<string, unknown> = { ...variables, [resumeVariable]: resumeAfterVersion ?? initialVersion(given, variables) };
  let last: number | undefined = resumeAfterVersion;
  return {
    query: print({ ...document, definitions: document.definitions.map((d) => (d === operation ? rewritten : d)) }),
    variables: sent,
    lastVersion: () => last,
    accept(event) {
      const payload = event.data?.[responseKey];
      if (typeof payload !== 'object' || payload === null) return { deliver: true };
      const record = payload as Record<string, unknown>;
      const version = record[VERSION_ALIAS];
      delete record[VERSION_ALIAS];
      if (typeof version !== 'number') return { deliver: true };
      if (last !== undefined && version <= last) return { deliver: false };
      last = version;
      sent[resumeVariable] = version;
      return { deliver: true, version };
    },
  };
}
