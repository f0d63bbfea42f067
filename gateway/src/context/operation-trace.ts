import { performance } from 'node:perf_hooks';
import { recordFailure, SpanKind, SpanStatusCode, trace, tracer, type Attributes, type Context, type Span } from '@walletgraph/platform/tracing';

type HrTime = [number, number];

/**
 * Now as OpenTelemetry's [seconds, nanoseconds], in whole microseconds: Zipkin refuses a batch
 * whose `timestamp` is not a whole number of microseconds (HTTP 400, every span of the batch lost),
 * which a fractional performance.now() given as a span's start time produced.
 */
function nowHrTime(): HrTime {
  const micros = Math.round((performance.timeOrigin + performance.now()) * 1_000);
  return [Math.floor(micros / 1_000_000), (micros % 1_000_000) * 1_000];
}

/**
 * The gateway's own spans of one GraphQL operation, with explicit tracing context (the default:
 * WALLETGRAPH_TRACING_CONTEXT=explicit). Apollo Gateway's spans need the active context to follow
 * its `await`s (AsyncLocalStorage, and with it Node 20's promise hooks on every promise of the
 * process); its tracer is silenced then (platform tracing: only `walletgraph` records) and the same
 * tree is made here, each span's parent passed by hand from the request's context value:
 *
 *   <type> <Operation> (SERVER, http/router.ts)
 *     gateway.request               the gateway's executor, start to result
 *       gateway.validate            executor start to the plan-cache lookup (operation context, validation)
 *       gateway.plan                plan-cache miss to the resolved plan (building the query plan)
 *       gateway.execute             resolved plan to result
 *         gateway.fetch (CLIENT)    one per subgraph fetch, the span the subgraph gets in `traceparent`
 *         gateway.postprocessing    the last subgraph answer to the result (merging and shaping)
 *
 * A subscription event gets `gateway.execute` (and its fetches) under its `push <field>` span.
 * Nothing of this runs for a request without a recorded span: its context value has no
 * `traceContext` and every hook returns at its first check.
 */
export class OperationTrace {
  private validate: Span | undefined;
  private plan: Span | undefined;
  private execute: Span | undefined;
  private executeContext: Context | undefined;
  private fetchesOpen = 0;
  /** When the last subgraph answer came. */
  private lastFetchEnd: HrTime | undefined;

  private constructor(
    private readonly request: Span | undefined,
    private readonly requestContext: Context,
    private readonly operationName: string | undefined,
  ) {}

  /** An operation over HTTP: gateway.request under the SERVER span, and gateway.validate started. */
  static ofRequest(parent: Context, operationName: string | undefined, operationType: string | undefined): OperationTrace {
    const attributes: Attributes = {};
    if (operationName !== undefined) {
      attributes['operationName'] = operationName;
      attributes['graphql.operation.name'] = operationName;
    }
    if (operationType !== undefined) attributes['graphql.operation.type'] = operationType;
    const request = tracer().startSpan('gateway.request', { kind: SpanKind.INTERNAL, attributes }, parent);
    const operation = new OperationTrace(request, trace.setSpan(parent, request), operationName);
    operation.validate = tracer().startSpan('gateway.validate', { kind: SpanKind.INTERNAL }, operation.requestContext);
    return operation;
  }

  /** A subscription event's execution: gateway.execute under its push span. */
  static ofEvent(pushContext: Context): OperationTrace {
    const operation = new OperationTrace(undefined, pushContext, undefined);
    operation.startExecute();
    return operation;
  }

  /** The plan cache answered: validation is over; a miss starts planning (it runs right after). */
  lookedUp(hit: boolean): void {
    this.validate?.end();
    this.validate = undefined;
    if (hit) return;
    const attributes: Attributes = this.operationName === undefined ? {} : { 'graphql.operation.name': this.operationName };
    this.plan = tracer().startSpan('gateway.plan', { kind: SpanKind.INTERNAL, attributes }, this.requestContext);
  }

  /** The plan is there (Apollo Gateway's experimental_didResolveQueryPlan): execution starts now. */
  planResolved(): void {
    this.validate?.end();
    this.validate = undefined;
    this.plan?.end();
    this.plan = undefined;
    if (this.execute === undefined) this.startExecute();
  }

  /** One subgraph fetch's CLIENT span; its context goes in the fetch's `traceparent`. */
  startFetch(service: string): { readonly context: Context; end(outcome: { readonly status?: number; readonly error?: unknown }): void } {
    const parent = this.executeContext ?? this.requestContext;
    const span = tracer().startSpan('gateway.fetch', { kind: SpanKind.CLIENT, attributes: { service } }, parent);
    this.fetchesOpen += 1;
    return {
      context: trace.setSpan(parent, span),
      end: ({ status, error }) => {
        if (status !== undefined) {
          span.setAttribute('http.response.status_code', status);
          if (status < 200 || status > 299) span.setStatus({ code: SpanStatusCode.ERROR });
        }
        if (error !== undefined) recordFailure(span, error);
        span.end();
        this.fetchesOpen -= 1;
        this.lastFetchEnd = nowHrTime();
      },
    };
  }

  /** The operation's result (or failure): ends every span still open. */
  end(outcome: { readonly error?: unknown; readonly result?: unknown }): void {
    this.validate?.end();
    this.plan?.end();
    if (this.execute !== undefined) {
      // Start and end from one clock (a span given its start time ends on Date.now(), in whole milliseconds).
      if (this.lastFetchEnd !== undefined && this.fetchesOpen === 0)
        tracer().startSpan('gateway.postprocessing', { kind: SpanKind.INTERNAL, startTime: this.lastFetchEnd }, this.executeContext).end(nowHrTime());
      if (outcome.error !== undefined) recordFailure(this.execute, outcome.error);
      this.execute.end();
    }
    if (this.request === undefined) return;
    if (outcome.error !== undefined) recordFailure(this.request, outcome.error);
    else if (refused(outcome.result)) this.request.setStatus({ code: SpanStatusCode.ERROR });
    this.request.end();
  }

  private startExecute(): void {
    this.execute = tracer().startSpan('gateway.execute', { kind: SpanKind.INTERNAL }, this.requestContext);
    this.executeContext = trace.setSpan(this.requestContext, this.execute);
  }
}

/** A result with errors and no data: the operation was refused (validation), as Apollo Gateway marks its request span. */
function refused(result: unknown): boolean {
  if (typeof result !== 'object' || result === null) return false;
  const { errors, data } = result as { errors?: unknown; data?: unknown };
  return Array.isArray(errors) && errors.length > 0 && (data === undefined || data === null);
}

/** Apollo's request context of one operation (the executor's, the plan hook's and each fetch's `incomingRequestContext`: one object). */
interface OperationRequestContext {
  readonly context?: unknown;
  readonly operationName?: string | null | undefined;
  readonly operation?: { readonly operation?: string } | undefined;
}

const operations = new WeakMap<object, OperationTrace>();
/** The operation whose executor is running synchronously now, up to its plan-cache lookup. */
let lookingUp: OperationTrace | undefined;

function traceContextOf(contextValue: unknown): Context | undefined {
  if (typeof contextValue !== 'object' || contextValue === null || !('traceContext' in contextValue)) return undefined;
  return (contextValue as { readonly traceContext?: Context | undefined }).traceContext;
}

/** The operation's spans, when it is traced (the data sources' fetches look theirs up with it). */
export function operationTraceOf(requestContext: object | undefined): OperationTrace | undefined {
  return requestContext === undefined ? undefined : operations.get(requestContext);
}

/** Registers a subscription event's execution under `requestContext` (the one handed to executeQueryPlan). */
export function traceEventExecution(requestContext: object, pushContext: Context): OperationTrace {
  const operation = OperationTrace.ofEvent(pushContext);
  operations.set(requestContext, operation);
  return operation;
}

/**
 * Apollo Gateway's executor with the operation's spans when its context value carries a recorded
 * span. The executor runs synchronously up to its plan-cache lookup (validation included), which
 * planCacheLookedUp attributes to this operation; everything after goes by the request context.
 */
export function traceExecutor<R extends OperationRequestContext, T>(executor: (requestContext: R) => Promise<T>): (requestContext: R) => Promise<T> {
  return (requestContext) => {
    const parent = traceContextOf(requestContext.context);
    if (parent === undefined) return executor(requestContext);
    const operation = OperationTrace.ofRequest(parent, requestContext.operationName ?? undefined, requestContext.operation?.operation);
    operations.set(requestContext, operation);
    lookingUp = operation;
    let running: Promise<T>;
    try {
      running = executor(requestContext);
    } catch (error: unknown) {
      operation.end({ error });
      throw error;
    } finally {
      lookingUp = undefined;
    }
    return running.then(
      (result) => {
        operation.end({ result });
        return result;
      },
      (error: unknown) => {
        operation.end({ error });
        throw error;
      },
    );
  };
}

/** The gateway's plan-cache lookup (synchronous with the executor's start, see traceExecutor). */
export function planCacheLookedUp(hit: boolean): void {
  const operation = lookingUp;
  if (operation === undefined) return;
  lookingUp = undefined;
  operation.lookedUp(hit);
}

/** Apollo Gateway's experimental_didResolveQueryPlan: the plan is there, execution starts. */
export function queryPlanResolved(requestContext: object): void {
  operations.get(requestContext)?.planResolved();
}
