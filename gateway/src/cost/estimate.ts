import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  valueFromASTUntyped,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { FieldCosts, ListSizeDirective, SchemaCosts } from './schema-costs.js';

/**
 * Static cost analysis after Apollo Router's demand control (its `estimated` and `actual` cost
 * calculators), over the IBM GraphQL Cost Directive specification:
 *
 * - a field returning an object (or interface, union) costs 1, a scalar or enum 0, unless `@cost`
 *   on the field (or on its type) says otherwise; the cost of its selection is added to it;
 * - a list multiplies that by its expected length: the largest slicing argument of its
 *   `@listSize` (`first: 100`), else its `assumedSize`, else the default list size; a field named
 *   in its parent's `sizedFields` (a connection's `edges`) takes the parent's slicing argument;
 * - an input object in an argument costs 1 (plus its fields' `@cost`), a scalar argument its
 *   `@cost` or 0;
 * - a mutation costs 10 more; `__typename` and introspection cost nothing; a field skipped by a
 *   literal `@skip(if: true)` / `@include(if: false)` costs nothing.
 *
 * An operation is compiled once into a formula in which only what depends on the variables (a
 * `first: $first`, an input object in a variable) is left to evaluate per request.
 */

export type Variables = Readonly<Record<string, unknown>>;

/** A cost that may depend on the request's variables. Constants are folded while compiling. */
type CostExpr =
  | { readonly kind: 'constant'; readonly value: number }
  | { readonly kind: 'sum'; readonly constant: number; readonly terms: readonly CostExpr[] }
  | { readonly kind: 'times'; readonly count: ListCount; readonly inner: CostExpr }
  | { readonly kind: 'variable-argument'; readonly variable: string; readonly type: GraphQLInputType; readonly weight: number | undefined };

/** The expected length of one list field: its parent's sized length, else its own, else the default. */
interface ListCount {
  readonly sizedByParent: ListSize | undefined;
  readonly own: ListSize | undefined;
  readonly defaultListSize: number;
}

/** `@listSize` applied to one field of the operation, with the values of its slicing arguments. */
interface ListSize {
  readonly fieldName: string;
  readonly node: FieldNode;
  readonly directive: ListSizeDirective;
  /** One per slicing argument: a value known now, or an argument to read with the variables. */
  readonly slicing: readonly SlicingValue[];
}

type SlicingValue =
  | { readonly kind: 'static'; readonly size: number | undefined }
  | { readonly kind: 'dynamic'; readonly node: ValueNode; readonly path: readonly string[]; readonly fallback: number | undefined };

/** How a field of the response is scored for the actual cost (Router's response cost calculator). */
export interface ResponseField {
  readonly responseKey: string;
  /** `@cost` of the field or its type; undefined: 1 for an object, 0 for a scalar. */
  readonly weight: number | undefined;
  /** Scored once per occurrence of the field (not per list item), like the estimate's arguments. */
  readonly argumentCost: CostExpr;
  /** Applies only to objects of this type (a fragment's type condition on an abstract parent). */
  readonly typeCondition: string | undefined;
  readonly children: readonly ResponseField[];
}

export interface CompiledCost {
  readonly estimate: CostExpr;
  readonly response: readonly ResponseField[];
  /** The operation's own defaults, for variables the request leaves out. */
  readonly variableDefaults: Variables;
}

/** Raised while estimating: a `@listSize(requireOneSlicingArgument: true)` field without exactly one. */
export class CostAnalysisError extends GraphQLError {
  constructor(message: string, nodes: readonly FieldNode[]) {
    super(message, { nodes, extensions: { code: 'BAD_USER_INPUT' } });
    this.name = 'CostAnalysisError';
  }
}

const MUTATION_BASE_COST = 10;
/** Nesting of input values scored before giving up on a self-referencing input type. */
const INPUT_DEPTH_MAX = 32;
const zero: CostExpr = { kind: 'constant', value: 0 };

function constant(value: number): CostExpr {
  return value === 0 ? zero : { kind: 'constant', value };
}

function sum(terms: readonly CostExpr[]): CostExpr {
  let folded = 0;
  const dynamic: CostExpr[] = [];
  for (const term of terms) {
    if (term.kind === 'constant') folded += term.value;
    else if (term.kind === 'sum') {
      folded += term.constant;
      dynamic.push(...term.terms);
    } else dynamic.push(term);
  }
  return dynamic.length === 0 ? constant(folded) : { kind: 'sum', constant: folded, terms: dynamic };
}

function isStatic(size: ListSize | undefined): boolean {
  return size === undefined || size.slicing.every((value) => value.kind === 'static');
}

function times(count: ListCount, inner: CostExpr): CostExpr {
  if (inner.kind === 'constant' && isStatic(count.sizedByParent) && isStatic(count.own)) {
    return constant(listLength(count, {}) * inner.value);
  }
  return { kind: 'times', count, inner };
}

/** GraphQL's Int; a larger variable is refused by coercion later, and is no larger a list here. */
const INT_MAX = 2_147_483_647;

/** A slicing argument's value as a length (composition allows Int slicing arguments only). */
function sizeOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(INT_MAX, Math.max(0, Math.floor(value))) : undefined;
}

function valueAtPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The slicing arguments' largest value, else `assumedSize` (Router's ListSizeDirective). */
function expectedSize(size: ListSize, variables: Variables): number | undefined {
  const values: number[] = [];
  for (const slicing of size.slicing) {
    const value =
      slicing.kind === 'static' ? slicing.size : (sizeOf(valueAtPath(valueFromASTUntyped(slicing.node, variables), slicing.path)) ?? slicing.fallback);
    if (value !== undefined) values.push(value);
  }
  if (size.directive.requireOneSlicingArgument && size.directive.slicingArguments.length > 0 && values.length !== 1) {
    throw new CostAnalysisError(
      `${size.fieldName} needs exactly one of its slicing arguments (${size.directive.slicingArguments.join(', ')}); it got ${values.length}`,
      [size.node],
    );
  }
  return values.length > 0 ? Math.max(...values) : size.directive.assumedSize;
}

function listLength(count: ListCount, variables: Variables): number {
  const sized = count.sizedByParent === undefined ? undefined : expectedSize(count.sizedByParent, variables);
  if (sized !== undefined) return sized;
  const own = count.own === undefined ? undefined : expectedSize(count.own, variables);
  return own ?? count.defaultListSize;
}

/** Input values as Router scores them: an input object 1 (or its `@cost`), a list the sum of its items, a scalar its `@cost`. */
function scoreInputValue(value: unknown, type: GraphQLInputType, weight: number | undefined, costs: SchemaCosts, depth: number): number {
  if (value === null || value === undefined || depth > INPUT_DEPTH_MAX) return 0;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    // A single value where a list is expected is coerced to a list of one.
    if (!Array.isArray(value)) return scoreInputValue(value, nullable.ofType, weight, costs, depth + 1);
    let total = weight ?? 0;
    for (const item of value) total += scoreInputValue(item, nullable.ofType, weight, costs, depth + 1);
    return total;
  }
  if (isInputObjectType(nullable) && typeof value === 'object' && !Array.isArray(value)) {
    let total = weight ?? 1;
    const fields = nullable.getFields();
    for (const [name, fieldValue] of Object.entries(value as Record<string, unknown>)) {
      const field = fields[name];
      // Unknown fields are refused by variable coercion later; they cost nothing here.
      if (field !== undefined) total += scoreInputValue(fieldValue, field.type, costs.inputFieldWeight(nullable.name, name), costs, depth + 1);
    }
    return total;
  }
  return weight ?? 0;
}

export function evaluate(expr: CostExpr, variables: Variables, costs: SchemaCosts): number {
  switch (expr.kind) {
    case 'constant':
      return expr.value;
    case 'sum': {
      let total = expr.constant;
      for (const term of expr.terms) total += evaluate(term, variables, costs);
      return total;
    }
    case 'times':
      return listLength(expr.count, variables) * evaluate(expr.inner, variables, costs);
    case 'variable-argument':
      return scoreInputValue(variables[expr.variable], expr.type, expr.weight, costs, 0);
  }
}

interface CompileContext {
  readonly schema: GraphQLSchema;
  readonly costs: SchemaCosts;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly defaultListSize: number;
}

/** Only literal conditions count, as in the Router: `@skip(if: $flag)` is estimated as selected. */
function skippedByDirectives(directives: readonly DirectiveNode[] | undefined): boolean {
  for (const directive of directives ?? []) {
    const condition = directive.arguments?.find((argument) => argument.name.value === 'if')?.value;
    if (condition?.kind !== Kind.BOOLEAN) continue;
    if (directive.name.value === 'skip' && condition.value) return true;
    if (directive.name.value === 'include' && !condition.value) return true;
  }
  return false;
}

/** An argument written in the operation: a literal is scored now, a variable per request. */
function argumentCost(node: ValueNode, type: GraphQLInputType, weight: number | undefined, ctx: CompileContext, depth: number): CostExpr {
  if (node.kind === Kind.VARIABLE) return { kind: 'variable-argument', variable: node.name.value, type, weight };
  if (node.kind === Kind.NULL || depth > INPUT_DEPTH_MAX) return zero;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (node.kind !== Kind.LIST) return argumentCost(node, nullable.ofType, weight, ctx, depth + 1);
    return sum([constant(weight ?? 0), ...node.values.map((item) => argumentCost(item, nullable.ofType, weight, ctx, depth + 1))]);
  }
  if (isInputObjectType(nullable) && node.kind === Kind.OBJECT) {
    const fields = nullable.getFields();
    const terms: CostExpr[] = [constant(weight ?? 1)];
    for (const field of node.fields) {
      const definition = fields[field.name.value];
      if (definition !== undefined)
        terms.push(argumentCost(field.value, definition.type, ctx.costs.inputFieldWeight(nullable.name, field.name.value), ctx, depth + 1));
    }
    return sum(terms);
  }
  return constant(weight ?? 0);
}

function argumentsCost(field: FieldNode, definition: GraphQLField<unknown, unknown>, fieldCosts: FieldCosts | undefined, ctx: CompileContext): CostExpr {
  const terms: CostExpr[] = [];
  for (const argument of field.arguments ?? []) {
    const argumentDefinition = definition.args.find((arg) => arg.name === argument.name.value);
    if (argumentDefinition !== undefined)
      terms.push(argumentCost(argument.value, argumentDefinition.type, fieldCosts?.argumentWeights.get(argument.name.value), ctx, 0));
  }
  return sum(terms);
}

/** A slicing argument's value: the literal in the operation, else a variable (read per request), else the schema's default. */
function slicingValue(path: string, field: FieldNode, definitionArgs: readonly GraphQLArgument[]): SlicingValue {
  const [argumentName = '', ...rest] = path.split('.');
  const schemaDefault = sizeOf(valueAtPath(definitionArgs.find((arg) => arg.name === argumentName)?.defaultValue, rest));
  const node = field.arguments?.find((argument) => argument.name.value === argumentName)?.value;
  if (node === undefined) return { kind: 'static', size: schemaDefault };
  if (!containsVariable(node)) return { kind: 'static', size: sizeOf(valueAtPath(valueFromASTUntyped(node), rest)) ?? schemaDefault };
  return { kind: 'dynamic', node, path: rest, fallback: schemaDefault };
}

function containsVariable(node: ValueNode): boolean {
  if (node.kind === Kind.VARIABLE) return true;
  if (node.kind === Kind.LIST) return node.values.some(containsVariable);
  if (node.kind === Kind.OBJECT) return node.fields.some((field) => containsVariable(field.value));
  return false;
}

interface Compiled {
  readonly estimate: CostExpr;
  readonly response: readonly ResponseField[];
}

function compileField(field: FieldNode, parentType: GraphQLNamedType, sizedBy: ListSize | undefined, ctx: CompileContext): Compiled | undefined {
  const name = field.name.value;
  // __typename is free; introspection is governed by GATEWAY_INTROSPECTION, not by cost.
  if (name === '__typename' || name === '__schema' || name === '__type') return undefined;
  if (skippedByDirectives(field.directives)) return undefined;
  // On a union only __typename may be selected (validation saw to it).
  if (!isObjectType(parentType) && !isInterfaceType(parentType)) return undefined;
  const definition = parentType.getFields()[name];
  // Validation has already refused unknown fields; nothing to score.
  if (definition === undefined) return undefined;
  const fieldCosts = ctx.costs.field(parentType.name, name);
  const own: ListSize | undefined =
    fieldCosts?.listSize === undefined
      ? undefined
      : {
          fieldName: `${parentType.name}.${name}`,
          node: field,
          directive: fieldCosts.listSize,
          slicing: fieldCosts.listSize.slicingArguments.map((path) => slicingValue(path, field, definition.args)),
        };
  const namedType = getNamedType(definition.type);
  const typeCost = fieldCosts?.weight ?? (isCompositeType(namedType) ? 1 : 0);
  const children = field.selectionSet === undefined ? { estimate: zero, response: [] } : compileSelectionSet(field.selectionSet, namedType, own, ctx);
  const inner = sum([constant(typeCost), children.estimate]);
  const isList = isListType(getNullableType(definition.type));
  const sizedByParent = sizedBy !== undefined && sizedBy.directive.sizedFields.includes(name) ? sizedBy : undefined;
  const fieldCost = isList ? times({ sizedByParent, own, defaultListSize: ctx.defaultListSize }, inner) : inner;
  const argumentCost = argumentsCost(field, definition, fieldCosts, ctx);
  return {
    estimate: sum([fieldCost, argumentCost]),
    response: [{ responseKey: field.alias?.value ?? name, weight: fieldCosts?.weight, argumentCost, typeCondition: undefined, children: children.response }],
  };
}

function withTypeCondition(fields: readonly ResponseField[], typeCondition: string | undefined): readonly ResponseField[] {
  return typeCondition === undefined ? fields : fields.map((field) => ({ ...field, typeCondition: field.typeCondition ?? typeCondition }));
}

function compileSelectionSet(selectionSet: SelectionSetNode, parentType: GraphQLNamedType, sizedBy: ListSize | undefined, ctx: CompileContext): Compiled {
  const estimates: CostExpr[] = [];
  const response: ResponseField[] = [];
  for (const selection of selectionSet.selections) {
    let compiled: Compiled | undefined;
    if (selection.kind === Kind.FIELD) {
      compiled = compileField(selection, parentType, sizedBy, ctx);
    } else {
      if (skippedByDirectives(selection.directives)) continue;
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : ctx.fragments.get(selection.name.value);
      // Unknown fragments were refused by validation.
      if (fragment === undefined) continue;
      const conditionName = fragment.typeCondition?.name.value;
      const type = conditionName === undefined ? parentType : ctx.schema.getType(conditionName);
      if (type === undefined || type === null) continue;
      const inner = compileSelectionSet(fragment.selectionSet, type, sizedBy, ctx);
      // A condition on the parent's own type always holds; one on another (abstract parent) is checked per object.
      compiled = { estimate: inner.estimate, response: withTypeCondition(inner.response, conditionName === parentType.name ? undefined : conditionName) };
    }
    if (compiled === undefined) continue;
    estimates.push(compiled.estimate);
    response.push(...compiled.response);
  }
  return { estimate: sum(estimates), response };
}

/**
 * Compiles one operation of a validated document. Fragment spreads are expanded where they are
 * used; the gateway's field limit (GATEWAY_FIELDS_MAX, fragments expanded) bounds that work.
 */
export function compileCost(
  schema: GraphQLSchema,
  costs: SchemaCosts,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  defaultListSize: number,
): CompiledCost {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const rootType = schema.getRootType(operation.operation);
  if (rootType === undefined || rootType === null) throw new Error(`the schema has no ${operation.operation} root type`);
  const compiled = compileSelectionSet(operation.selectionSet, rootType, undefined, { schema, costs, fragments, defaultListSize });
  const variableDefaults: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue !== undefined) variableDefaults[definition.variable.name.value] = valueFromASTUntyped(definition.defaultValue);
  }
  return {
    estimate: operation.operation === OperationTypeNode.MUTATION ? sum([constant(MUTATION_BASE_COST), compiled.estimate]) : compiled.estimate,
    response: compiled.response,
    variableDefaults,
  };
}

/** The variables a formula reads: the request's, with the operation's defaults for those it leaves out. */
export function effectiveVariables(compiled: CompiledCost, variables: Variables | undefined): Variables {
  const provided = variables ?? {};
  let merged: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(compiled.variableDefaults)) {
    if (name in provided) continue;
    merged ??= { ...provided };
    merged[name] = value;
  }
  return merged ?? provided;
}

export function estimatedCost(compiled: CompiledCost, variables: Variables | undefined, costs: SchemaCosts): number {
  return evaluate(compiled.estimate, effectiveVariables(compiled, variables), costs);
}

function responseValueCost(field: ResponseField, value: unknown, variables: Variables, costs: SchemaCosts): number {
  if (Array.isArray(value)) {
    let total = 0;
    for (const item of value) total += responseValueCost(field, item, variables, costs);
    return total;
  }
  if (typeof value !== 'object' || value === null) return field.weight ?? 0;
  return (field.weight ?? 1) + responseObjectCost(field.children, value as Record<string, unknown>, variables, costs);
}

function responseObjectCost(fields: readonly ResponseField[], object: Record<string, unknown>, variables: Variables, costs: SchemaCosts): number {
  let total = 0;
  const typename = object['__typename'];
  for (const field of fields) {
    if (field.typeCondition !== undefined && typeof typename === 'string' && typename !== field.typeCondition) continue;
    const value = object[field.responseKey];
    // Absent: skipped, or cut off by an error above it.
    if (value === undefined) continue;
    total += evaluate(field.argumentCost, variables, costs) + responseValueCost(field, value, variables, costs);
  }
  return total;
}

/**
 * The cost of what was actually returned, scored like the estimate but with real list lengths
 * (Router's `actual`; like it, without the mutation's base cost).
 */
export function actualCost(compiled: CompiledCost, data: unknown, variables: Variables | undefined, costs: SchemaCosts): number {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 0;
  return responseObjectCost(compiled.response, data as Record<string, unknown>, effectiveVariables(compiled, variables), costs);
}
