// Percentiles and small numeric helpers (pure).

/** Nearest-rank percentile of an unsorted sample; null when the sample is empty. */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** { p50, p95, p99, max, count } in the unit of the input, rounded to 0.1. */
export function summarize(values) {
  const round = (v) => (v === null ? null : Math.round(v * 10) / 10);
  return {
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    p99: round(percentile(values, 99)),
    max: round(values.length ? Math.max(...values.slice(0, 1_000_000)) : null),
    count: values.length,
  };
}

export const ratio = (a, b) => (a && b ? Math.round((a / b) * 100) / 100 : null);
export const round1 = (v) => (v === null || v === undefined ? null : Math.round(v * 10) / 10);
