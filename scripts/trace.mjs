#!/usr/bin/env node
// npm run -s trace -- <trace id> [--zipkin http://127.0.0.1:9411]
// Prints one trace from Zipkin (GET /api/v2/trace/{id}) as a tree: start offset and duration of
// every span, its service, its name. The trace id of a request is in the gateway's `traceresponse`
// header (00-<trace id>-<span id>-01), or the one you sent in `traceparent`.
const args = process.argv.slice(2);
const flag = args.indexOf('--zipkin');
const zipkin = (flag >= 0 ? args[flag + 1] : undefined) ?? process.env.ZIPKIN_URL ?? `http://127.0.0.1:${process.env.ZIPKIN_PORT ?? 9411}`;
const traceId = args.find((arg, index) => /^[0-9a-f]{16,32}$/.test(arg) && (flag < 0 || index !== flag + 1));
if (traceId === undefined) {
  console.error('usage: npm run -s trace -- <32-hex trace id> [--zipkin http://127.0.0.1:9411]');
  process.exit(2);
}
const response = await fetch(`${zipkin}/api/v2/trace/${traceId}`).catch((error) => {
  console.error(`cannot reach Zipkin at ${zipkin}: ${error.message}`);
  process.exit(1);
});
if (response.status === 404) {
  console.error(`Zipkin at ${zipkin} has no trace ${traceId} (spans arrive about a second after the request)`);
  process.exit(1);
}
const spans = await response.json();
const ids = new Set(spans.map((span) => span.id));
const children = new Map();
for (const span of spans) {
  const parent = span.parentId !== undefined && ids.has(span.parentId) ? span.parentId : 'root';
  children.set(parent, [...(children.get(parent) ?? []), span]);
}
const start = Math.min(...spans.map((span) => span.timestamp));
const ms = (us) => (us / 1000).toFixed(1).padStart(7);
const print = (parent, depth) => {
  for (const span of (children.get(parent) ?? []).sort((a, b) => a.timestamp - b.timestamp)) {
    console.log(
      `${ms(span.timestamp - start)} ms ${ms(span.duration ?? 0)} ms  ${'  '.repeat(depth)}${span.localEndpoint?.serviceName ?? '?'}: ${span.name ?? ''}${span.kind ? ` (${span.kind.toLowerCase()})` : ''}`,
    );
    print(span.id, depth + 1);
  }
};
console.log(
  `trace ${traceId}: ${spans.length} spans, ${new Set(spans.map((s) => s.localEndpoint?.serviceName)).size} services   ${zipkin}/zipkin/traces/${traceId}`,
);
console.log('  start  duration  span');
print('root', 0);
