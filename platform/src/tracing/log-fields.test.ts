import { Writable } from 'node:stream';
import { createLogger } from '../core/index.js';
import { startInMemoryTracing } from './sdk.js';
import { inSpan } from './spans.js';

function captured(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('log lines and traces', () => {
  it('carry no trace fields while tracing is off', () => {
    const { lines, stream } = captured();
    createLogger({ name: 't', level: 'info' }, stream).info({ requestId: 'r1' }, 'hello');
    expect(lines[0]).toMatchObject({ requestId: 'r1', msg: 'hello' });
    expect(lines[0]).not.toHaveProperty('trace_id');
  });

  it('carry trace_id and span_id of the active span, beside the request id', async () => {
    const tracing = startInMemoryTracing();
    try {
      const { lines, stream } = captured();
      const logger = createLogger({ name: 't', level: 'info' }, stream).child({ requestId: 'r2' });
      await inSpan('work', {}, async () => logger.info('inside'));
      logger.info('outside');
      const [span] = tracing.spans();
      expect(lines[0]).toMatchObject({ requestId: 'r2', trace_id: span?.traceId, span_id: span?.spanId, msg: 'inside' });
      expect(lines[1]).not.toHaveProperty('trace_id');
    } finally {
      await tracing.stop();
    }
  });
});
