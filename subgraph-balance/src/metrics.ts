/** Counters and gauges this process exports on GET /metrics (Prometheus text format). */
export const MetricName = {
  eventsApplied: 'balance_events_applied_total',
  eventsRepublished: 'balance_events_republished_total',
  eventsStale: 'balance_events_stale_total',
  eventsDeadLettered: 'balance_events_dead_lettered_total',
  applyRetries: 'balance_apply_retries_total',
  liveEventsReceived: 'balance_live_events_received_total',
  liveEventsInvalid: 'balance_live_events_invalid_total',
  subscriptionsRejected: 'balance_subscriptions_rejected_total',
  subscribersClosedSlow: 'balance_subscribers_closed_slow_total',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export interface Metrics {
  increment(name: MetricName, by?: number): void;
  value(name: MetricName): number;
  /** Gauges are read when rendered so they never go stale. */
  registerGauge(name: string, read: () => number): void;
  render(): string;
}

export function createMetrics(): Metrics {
  const counters = new Map<MetricName, number>(Object.values(MetricName).map((name) => [name, 0]));
  const gauges = new Map<string, () => number>();
  return {
    increment(name, by = 1) {
      counters.set(name, (counters.get(name) ?? 0) + by);
    },
    value(name) {
      return counters.get(name) ?? 0;
    },
    registerGauge(name, read) {
      gauges.set(name, read);
    },
    render() {
      const lines: string[] = [];
      for (const [name, value] of counters) lines.push(`# TYPE ${name} counter`, `${name} ${value}`);
      for (const [name, read] of gauges) lines.push(`# TYPE ${name} gauge`, `${name} ${read()}`);
      return `${lines.join('\n')}\n`;
    },
  };
}
