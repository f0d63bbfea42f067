// The SDK keeps its own copy of the API's error codes (it cannot import platform at runtime); this
// pins the copy to the codes the server modules define, in both directions.
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { ErrorCode } from '@walletgraph/platform/core';
import { ApiErrorCode } from '../src/errors';
import { RATE_LIMITED } from '../../gateway/src/auth/rate-limit';
import { LimitCode } from '../../gateway/src/limits/limit-errors';
import { SubscriptionErrorCode } from '../../gateway/src/subscriptions/errors';
import { TrustedDocumentCode } from '../../gateway/src/trusted-documents/policy';

/** Codes a server module defines that the SDK never sees, and why; anything else must be in ApiErrorCode. */
const NOT_FOR_THE_SDK: Readonly<Record<string, string>> = {
  [SubscriptionErrorCode.SSE_STREAM_NOT_FOUND]: 'graphql-sse only; the SDK subscribes over WebSocket',
  [SubscriptionErrorCode.SSE_RESERVATION_LIMIT_EXCEEDED]: 'graphql-sse only; the SDK subscribes over WebSocket',
  [ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED]: "Apollo's APQ refusal; the gateway serves trusted documents instead",
  [ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE]: 'an operationName that matches no operation; the SDK always sends one that does',
  [ApolloServerErrorCode.BAD_REQUEST]: 'a malformed HTTP request; the SDK always sends a well-formed one',
};

const sorted = (codes: Iterable<string>): string[] => [...new Set(codes)].sort();

const serverCodes = sorted([
  ...Object.values(ErrorCode),
  ...Object.values(LimitCode),
  ...Object.values(SubscriptionErrorCode),
  ...Object.values(TrustedDocumentCode),
  RATE_LIMITED,
  ...Object.values(ApolloServerErrorCode),
]);

describe("the SDK's error codes and the server's", () => {
  it('every code a server module defines is known to the SDK (or listed, with a reason, as never reaching it)', () => {
    expect(serverCodes.filter((code) => !(code in NOT_FOR_THE_SDK) && !Object.values<string>(ApiErrorCode).includes(code))).toEqual([]);
  });

  it('every code the SDK knows is defined by a server module, and none it knows is listed as never reaching it', () => {
    const sdkCodes = sorted(Object.values(ApiErrorCode));
    expect(sdkCodes.filter((code) => !serverCodes.includes(code))).toEqual([]);
    expect(sdkCodes.filter((code) => code in NOT_FOR_THE_SDK)).toEqual([]);
  });

  it("platform's codes (subgraphs' AppErrors) are the SDK's, name for name", () => {
    for (const [name, code] of Object.entries(ErrorCode)) expect(ApiErrorCode).toHaveProperty(name, code);
  });
});
