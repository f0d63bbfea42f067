// The hostile-input table (issue 14): every attack we know of, one row each, against the real
// stack through the gateway, on the transport the row names. A refused mutation must change
// nothing. The rows live beside the harness in hostile/: add an attack by adding a row there.
// The rows that need production mode (trusted documents, masked errors) run on a stack of their
// own in hostile-production.test.ts.
import { accessRows } from './hostile/rows-access';
import { connectionRows, WS_CONNECTIONS_MAX, WS_CONNECTIONS_PER_CALLER_MAX } from './hostile/rows-connections';
import { costRows } from './hostile/rows-cost';
import { inputRows } from './hostile/rows-inputs';
import { limitRows, SUBSCRIPTIONS_MAX, SUBSCRIPTIONS_PER_CALLER_MAX } from './hostile/rows-limits';
import { operationRows } from './hostile/rows-operations';
import { sseRows, SSE_RESERVATION_TTL_MS } from './hostile/rows-sse';
import { createFixture, describeRows, type Fixture, type Row } from './hostile/harness';
import { startStack, type Stack } from './stack';

const rows: readonly Row[] = [...inputRows, ...accessRows, ...limitRows, ...operationRows, ...costRows, ...sseRows, ...connectionRows];

let stack: Stack;
let fixture: Fixture;

beforeAll(async () => {
  // A short reservation life, so the expiry row waits for it in a second rather than ten; a small
  // process-wide subscription bound, so one caller can try to take all of it.
  stack = await startStack({
    gatewayEnv: {
      GATEWAY_SSE_RESERVATION_TTL_MS: String(SSE_RESERVATION_TTL_MS),
      GATEWAY_SUBSCRIPTIONS_MAX: String(SUBSCRIPTIONS_MAX),
      GATEWAY_SUBSCRIPTIONS_PER_CALLER_MAX: String(SUBSCRIPTIONS_PER_CALLER_MAX),
      GATEWAY_WS_CONNECTIONS_MAX: String(WS_CONNECTIONS_MAX),
      GATEWAY_WS_CONNECTIONS_PER_CALLER_MAX: String(WS_CONNECTIONS_PER_CALLER_MAX),
    },
  });
  fixture = await createFixture(stack);
});
afterAll(async () => {
  await fixture?.admin.close();
  await stack?.stop();
});

describeRows(rows, () => fixture);
