// The signed identity every peer sends to the subgraphs (`x-walletgraph-identity`), as our gateway
// does: one HS256 token per peer process, minted at start and again every 30 s of its 60 s life,
// so all targets do the same header work per request and none pays a signature per fetch.
// Env: INTERNAL_AUTH_SECRET (the run's secret, from bench/lib/auth.mjs).
import { createRequire } from 'node:module';

const { INTERNAL_IDENTITY_HEADER, mintInternalIdentity } = createRequire(import.meta.url)('../../platform/dist/auth/index.js');

/** Well inside the 60 s lifetime, so a token in flight never expires on its way. */
const refreshMs = 30_000;

/** Mints now, then refreshes in the background; `header()` is synchronous and always valid. */
export async function createIdentityHeader(subject) {
  const secret = process.env.INTERNAL_AUTH_SECRET;
  if (!secret) throw new Error('INTERNAL_AUTH_SECRET is required (the subgraphs refuse calls without a signed identity)');
  const mint = () => mintInternalIdentity({ role: 'admin', subject }, { secret });
  let token = await mint();
  const timer = setInterval(() => {
    mint().then(
      (next) => (token = next),
      (error) => console.error(`identity refresh failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }, refreshMs);
  timer.unref();
  return { name: INTERNAL_IDENTITY_HEADER, value: () => token };
}
