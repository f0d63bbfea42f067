import { AppError, ErrorCode } from '@walletgraph/platform/core';

/** A subscription limit was reached; the client may retry later or use fewer subscriptions. */
export class SubscriptionLimitError extends AppError {
  readonly limit: number;
  constructor(message: string, limit: number) {
    super(ErrorCode.SERVICE_UNAVAILABLE, message, true, { details: { limit } });
    this.limit = limit;
  }
}

/** The subscriber did not read fast enough; its stream ends instead of buffering without bound. */
export class SlowSubscriberError extends AppError {
  constructor(queueEventsMax: number) {
    super(ErrorCode.SERVICE_UNAVAILABLE, `consumer too slow: more than ${queueEventsMax} updates waiting`, false);
  }
}
