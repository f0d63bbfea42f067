import { inChildSpan } from '@walletgraph/platform/tracing';
import type { WalletUseCases } from './wallet.js';

/** Each use case as a span of the request's trace (the resolvers that matter: they write). */
export function tracedUseCases(useCases: WalletUseCases): WalletUseCases {
  return {
    createClient: (input) => inChildSpan('wallet.createClient', {}, () => useCases.createClient(input)),
    createAccount: (input, meta) => inChildSpan('wallet.createAccount', {}, () => useCases.createAccount(input, meta)),
    deposit: (input, meta) => inChildSpan('wallet.deposit', {}, () => useCases.deposit(input, meta)),
    transfer: (input, meta) => inChildSpan('wallet.transfer', {}, () => useCases.transfer(input, meta)),
  };
}
