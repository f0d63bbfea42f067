import { InputObjectType, InterfaceType, ObjectType, baseType, type Schema, type Type } from '@apollo/federation-internals';

/** `@listSize` as the IBM GraphQL Cost Directive specification (and Apollo Federation 2.9) define it. */
export interface ListSizeDirective {
  readonly assumedSize: number | undefined;
  /** Argument names (or dotted paths into input objects) whose value is the list's length. */
  readonly slicingArguments: readonly string[];
  /** Child fields whose length the slicing arguments give (a connection's `edges`). */
  readonly sizedFields: readonly string[];
  readonly requireOneSlicingArgument: boolean;
}

export interface FieldCosts {
  /** `@cost` of the field, else of the type it returns (a type's weight applies to every field returning it). */
  readonly weight: number | undefined;
  readonly listSize: ListSizeDirective | undefined;
  /** `@cost` of each argument, else of the argument's type. */
  readonly argumentWeights: ReadonlyMap<string, number>;
}

/** The cost directives of a supergraph, read once at start-up; absent entries mean "defaults". */
export interface SchemaCosts {
  field(typeName: string, fieldName: string): FieldCosts | undefined;
  /** `@cost` of an input object's field, else of its type. */
  inputFieldWeight(typeName: string, fieldName: string): number | undefined;
}

const costIdentity = 'https://specs.apollo.dev/cost';

/** Any schema element that may carry directives (field, argument, type). */
interface Directed {
  appliedDirectivesOf(name: string): ReadonlyArray<{ arguments(): Readonly<Record<string, unknown>> }>;
}

/** Composition writes `@cost(weight: Int!)`; older supergraphs (and the Router's fixtures) carry a string. */
function weightOf(value: unknown): number | undefined {
  const weight = typeof value === 'string' ? Number(value) : value;
  return typeof weight === 'number' && Number.isFinite(weight) ? weight : undefined;
}

function stringList(value: unknown): readonly string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * Reads `@cost` and `@listSize` from the supergraph under the names its `@link` gives them (a
 * subgraph may import them renamed); a supergraph without the cost feature has no weights.
 */
export function readSchemaCosts(supergraph: Schema): SchemaCosts {
  const feature = supergraph.coreFeatures?.getByIdentity(costIdentity);
  const costName = feature?.directiveNameInSchema('cost') ?? 'cost';
  const listSizeName = feature?.directiveNameInSchema('listSize') ?? 'listSize';
  const costOf = (element: Directed): number | undefined => weightOf(element.appliedDirectivesOf(costName)[0]?.arguments()['weight']);
  const typeWeight = (type: Type | undefined): number | undefined => (type === undefined ? undefined : costOf(baseType(type)));

  const fields = new Map<string, FieldCosts>();
  const inputFields = new Map<string, number>();
  for (const type of supergraph.types()) {
    if (type instanceof ObjectType || type instanceof InterfaceType) {
      for (const field of type.fields()) {
        const listSizeArgs = field.appliedDirectivesOf(listSizeName)[0]?.arguments();
        const argumentWeights = new Map<string, number>();
        for (const argument of field.arguments()) {
          const weight = costOf(argument) ?? typeWeight(argument.type);
          if (weight !== undefined) argumentWeights.set(argument.name, weight);
        }
        const weight = costOf(field) ?? typeWeight(field.type);
        if (weight === undefined && listSizeArgs === undefined && argumentWeights.size === 0) continue;
        fields.set(`${type.name}.${field.name}`, {
          weight,
          argumentWeights,
          listSize:
            listSizeArgs === undefined
              ? undefined
              : {
                  assumedSize: weightOf(listSizeArgs['assumedSize']),
                  slicingArguments: stringList(listSizeArgs['slicingArguments']),
                  sizedFields: stringList(listSizeArgs['sizedFields']),
                  requireOneSlicingArgument: listSizeArgs['requireOneSlicingArgument'] !== false,
                },
        });
      }
    } else if (type instanceof InputObjectType) {
      for (const field of type.fields()) {
        const weight = costOf(field) ?? typeWeight(field.type);
        if (weight !== undefined) inputFields.set(`${type.name}.${field.name}`, weight);
      }
    }
  }
  return {
    field: (typeName, fieldName) => fields.get(`${typeName}.${fieldName}`),
    inputFieldWeight: (typeName, fieldName) => inputFields.get(`${typeName}.${fieldName}`),
  };
}
