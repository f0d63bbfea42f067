import {
  context,
  contextOfCarrier,
  SpanKind,
  trace,
  traceCarrierOf,
  traceCarrierOfHeaders,
  tracer,
  recordFailure,
  type MessageHeaders,
  type Span,
  type TraceCarrier,
} from '@walletgraph/platform/tracing';

/** One consumed message of a run and how many account sides it carries. */
export interface TracedMessage {
  readonly message: { readonly offset: string; readonly headers?: MessageHeaders | undefined };
  readonly sides: readonly unknown[];
}

export interface RunTrace {
  /**
   * Runs one stage of the run (the read-model write, the live publish) with a span per traced
   * message, each a child of that message's consume span and timed like the shared stage.
   * `carrierOfSide(i)` is the stage span of the message that side `i` (of the run's flattened
   * sides) came from: what a produced message carries on.
   */
  stage<T>(name: string, kind: SpanKind, work: (carrierOfSide: (sideIndex: number) => TraceCarrier | undefined) => Promise<T>): Promise<T>;
  end(): void;
}

/**
 * The spans of one projector run: a CONSUMER span per message whose headers carry a trace
 * context (a child of the relay's produce span, so the read model's work continues the transfer's
 * trace); a redelivered message continues the same trace again. Messages without one (the old Go
 * producer, tracing off) are not traced. Runs batch several messages into one transaction, so each
 * traced message gets its own span of the shared write (`messaging.batch.message_count` says how many).
 */
export function startRunTrace(topic: string, partition: number, run: readonly TracedMessage[]): RunTrace {
  const consumeSpans: (Span | undefined)[] = run.map(({ message }) => {
    const carrier = traceCarrierOfHeaders(message.headers);
    if (carrier === undefined) return undefined;
    return tracer().startSpan(
      `${topic} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': topic,
          'messaging.destination.partition.id': String(partition),
          'messaging.kafka.offset': Number(message.offset),
          'messaging.batch.message_count': run.length,
        },
      },
      contextOfCarrier(carrier),
    );
  });
  const messageOfSide: number[] = run.flatMap(({ sides }, index) => sides.map(() => index));
  const traced = consumeSpans.some((span) => span !== undefined);

  return {
    async stage(name, kind, work) {
      if (!traced) return work(() => undefined);
      const stageSpans = consumeSpans.map((parent) =>
        parent === undefined
          ? undefined
          : tracer().startSpan(name, { kind, attributes: { 'messaging.batch.message_count': run.length } }, trace.setSpan(context.active(), parent)),
      );
      const carrierOfSide = (sideIndex: number): TraceCarrier | undefined => {
        const span = stageSpans[messageOfSide[sideIndex] ?? -1];
        return span === undefined ? undefined : traceCarrierOf(trace.setSpan(context.active(), span));
      };
      // The stage's own child spans (Prisma's queries of the write) go under the first traced message's.
      const first = stageSpans.find((span) => span !== undefined);
      try {
        return await (first === undefined ? work(carrierOfSide) : context.with(trace.setSpan(context.active(), first), () => work(carrierOfSide)));
      } catch (error: unknown) {
        for (const span of stageSpans) if (span !== undefined) recordFailure(span, error);
        throw error;
      } finally {
        for (const span of stageSpans) span?.end();
      }
    },
    end() {
      for (const span of consumeSpans) span?.end();
    },
  };
}
