import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode, type ValidationRule } from 'graphql';
import type { GatewayLimits } from '../config.js';
import { LimitCode, LimitExceededError } from './limit-errors.js';

export interface OperationSize {
  readonly depth: number;
  readonly aliasCount: number;
  readonly fieldCount: number;
}

type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;
const empty: OperationSize = { depth: 0, aliasCount: 0, fieldCount: 0 };

/**
 * Measures a selection set with fragments expanded. Each fragment is measured once (memo), so a
 * "fragment bomb" costs linear time while still counting every expanded field. Introspection
 * fields (`__schema`, `__type`) are governed by GATEWAY_INTROSPECTION, not by these limits.
 */
function measureSelectionSet(selectionSet: SelectionSetNode, fragments: Fragments, memo: Map<string, OperationSize>, visiting: Set<string>): OperationSize {
  let depth = 0;
  let aliasCount = 0;
  let fieldCount = 0;
  for (const selection of selectionSet.selections) {
    let inner: OperationSize;
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === '__schema' || selection.name.value === '__type') continue;
      const child = selection.selectionSet === undefined ? empty : measureSelectionSet(selection.selectionSet, fragments, memo, visiting);
      inner = { depth: child.depth + 1, aliasCount: child.aliasCount + (selection.alias === undefined ? 0 : 1), fieldCount: child.fieldCount + 1 };
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      inner = measureSelectionSet(selection.selectionSet, fragments, memo, visiting);
    } else {
      inner = measureFragment(selection.name.value, fragments, memo, visiting);
    }
    depth = Math.max(depth, inner.depth);
    aliasCount += inner.aliasCount;
    fieldCount += inner.fieldCount;
  }
  return { depth, aliasCount, fieldCount };
}

function measureFragment(name: string, fragments: Fragments, memo: Map<string, OperationSize>, visiting: Set<string>): OperationSize {
  const known = memo.get(name);
  if (known !== undefined) return known;
  const fragment = fragments.get(name);
  // Unknown or cyclic spreads are reported by graphql's own validation rules.
  if (fragment === undefined || visiting.has(name)) return empty;
  visiting.add(name);
  const size = measureSelectionSet(fragment.selectionSet, fragments, memo, visiting);
  visiting.delete(name);
  memo.set(name, size);
  return size;
}

export function measureOperation(operation: OperationDefinitionNode, document: DocumentNode): OperationSize {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return measureSelectionSet(operation.selectionSet, fragments, new Map(), new Set());
}

export function checkOperationLimits(operation: OperationDefinitionNode, document: DocumentNode, limits: GatewayLimits): LimitExceededError[] {
  const size = measureOperation(operation, document);
  const errors: LimitExceededError[] = [];
  const name = operation.name === undefined ? 'the operation' : `operation ${operation.name.value}`;
  if (size.depth > limits.depthMax) {
    errors.push(
      new LimitExceededError(
        LimitCode.DEPTH_LIMIT_EXCEEDED,
        `${name} is nested ${size.depth} levels deep; the maximum is ${limits.depthMax}`,
        { actual: size.depth, max: limits.depthMax },
        [operation],
      ),
    );
  }
  if (size.aliasCount > limits.aliasesMax) {
    errors.push(
      new LimitExceededError(
        LimitCode.ALIAS_LIMIT_EXCEEDED,
        `${name} uses ${size.aliasCount} aliases; the maximum is ${limits.aliasesMax}`,
        { actual: size.aliasCount, max: limits.aliasesMax },
        [operation],
      ),
    );
  }
  if (size.fieldCount > limits.fieldsMax) {
    errors.push(
      new LimitExceededError(
        LimitCode.FIELD_LIMIT_EXCEEDED,
        `${name} selects ${size.fieldCount} fields (fragments expanded); the maximum is ${limits.fieldsMax}`,
        { actual: size.fieldCount, max: limits.fieldsMax },
        [operation],
      ),
    );
  }
  return errors;
}

/** The same limits as a graphql validation rule, for Apollo Server and the WebSocket/SSE servers alike. */
export function createLimitsRule(limits: GatewayLimits, onRejected?: (error: LimitExceededError) => void): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      for (const error of checkOperationLimits(operation, context.getDocument(), limits)) {
        onRejected?.(error);
        context.reportError(error);
      }
    },
  });
}
