import { AppError, ErrorCode } from '@walletgraph/platform/core';

/** The read model did not reach `minVersion` within the wait; retry later. */
export class MinVersionTimeoutError extends AppError {
  constructor(accountId: string, minVersion: number, waitMsMax: number, currentVersion: number | undefined) {
    super(ErrorCode.MIN_VERSION_TIMEOUT, `the balance of ${accountId} did not reach version ${minVersion} within ${waitMsMax} ms`, true, {
      details: { minVersion, waitMsMax, ...(currentVersion === undefined ? {} : { currentVersion }) },
    });
  }
}

/** The history no longer reaches back to the resume point: the client must read the balance again. */
export class ResumePointExpiredError extends AppError {
  constructor(accountId: string, afterVersion: number, oldestVersion: number | undefined) {
    const reach = oldestVersion === undefined ? 'no retained version' : `the oldest retained version is ${oldestVersion}`;
    super(ErrorCode.RESUME_POINT_EXPIRED, `cannot resume ${accountId} after version ${afterVersion}: ${reach}`, false, {
      details: { afterVersion, ...(oldestVersion === undefined ? {} : { oldestRetainedVersion: oldestVersion }) },
    });
  }
}
