import { parseTraceCarrier, parseTraceCarrierText, traceCarrierOf, traceCarrierOfHeaders, withTraceHeaders, TRACE_CARRIER_JSON_LENGTH_MAX } from './carrier.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('trace carriers (W3C traceparent / tracestate)', () => {
  it('accepts a valid traceparent, with a tracestate when it is sane', () => {
    expect(parseTraceCarrier({ traceparent: TRACEPARENT })).toEqual({ traceparent: TRACEPARENT });
    expect(parseTraceCarrier({ traceparent: TRACEPARENT, tracestate: 'vendor=abc' })).toEqual({ traceparent: TRACEPARENT, tracestate: 'vendor=abc' });
    expect(parseTraceCarrier({ traceparent: TRACEPARENT, tracestate: 'x'.repeat(513) })).toEqual({ traceparent: TRACEPARENT });
  });

  it.each([
    ['nothing', undefined],
    ['a string', TRACEPARENT],
    ['no traceparent', { tracestate: 'a=b' }],
    ['upper-case hex', { traceparent: TRACEPARENT.toUpperCase() }],
    ['an all-zero trace id', { traceparent: `00-${'0'.repeat(32)}-b7ad6b7169203331-01` }],
    ['an all-zero span id', { traceparent: `00-0af7651916cd43dd8448eb211c80319c-${'0'.repeat(16)}-01` }],
    ['another version', { traceparent: TRACEPARENT.replace(/^00/, 'ff') }],
    ['a truncated id', { traceparent: '00-0af7651916cd43dd-b7ad6b7169203331-01' }],
  ])('refuses %s', (_name, value) => {
    expect(parseTraceCarrier(value)).toBeUndefined();
  });

  it('reads a stored carrier back, and ignores a malformed or oversized one (a publish never fails on it)', () => {
    expect(parseTraceCarrierText(JSON.stringify({ traceparent: TRACEPARENT }))).toEqual({ traceparent: TRACEPARENT });
    expect(parseTraceCarrierText(null)).toBeUndefined();
    expect(parseTraceCarrierText('{not json')).toBeUndefined();
    expect(parseTraceCarrierText(JSON.stringify({ traceparent: TRACEPARENT, pad: 'x'.repeat(TRACE_CARRIER_JSON_LENGTH_MAX) }))).toBeUndefined();
  });

  it('reads Kafka headers as kafkajs hands them (Buffers, arrays) and none at all (the old Go producer)', () => {
    expect(traceCarrierOfHeaders({ traceparent: Buffer.from(TRACEPARENT), tracestate: [Buffer.from('v=1')] })).toEqual({
      traceparent: TRACEPARENT,
      tracestate: 'v=1',
    });
    expect(traceCarrierOfHeaders({ traceparent: TRACEPARENT })).toEqual({ traceparent: TRACEPARENT });
    expect(traceCarrierOfHeaders({})).toBeUndefined();
    expect(traceCarrierOfHeaders(undefined)).toBeUndefined();
  });

  it('replaces the trace headers of a message and keeps the others; leaves them without a carrier', () => {
    const headers = { event_id: 'e1', traceparent: 'old', tracestate: 'old=1' };
    expect(withTraceHeaders(headers, { traceparent: TRACEPARENT })).toEqual({ event_id: 'e1', traceparent: TRACEPARENT });
    expect(withTraceHeaders(headers, undefined)).toBe(headers);
  });

  it('has no carrier while tracing is off (no provider, no active span)', () => {
    expect(traceCarrierOf()).toBeUndefined();
  });
});
