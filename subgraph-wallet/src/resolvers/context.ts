import type { Logger } from '@walletgraph/platform/core';
import type { Identity } from '@walletgraph/platform/auth';
import type { WalletQueries } from '../use-cases/queries.js';
import type { RequestMeta, WalletUseCases } from '../use-cases/wallet.js';
import type { Loaders } from './loaders.js';

export interface WalletContext {
  readonly requestId: string;
  /** The caller, as the gateway signed it (verified before Apollo ran). */
  readonly identity: Identity;
  readonly logger: Logger;
  readonly loaders: Loaders;
  readonly useCases: WalletUseCases;
  readonly queries: WalletQueries;
  readonly meta: RequestMeta;
}
