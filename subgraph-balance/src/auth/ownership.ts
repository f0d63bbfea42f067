import { UnavailableError, type Logger } from '@walletgraph/platform/core';
import { INTERNAL_IDENTITY_HEADER, mintInternalIdentity, serviceIdentity } from '@walletgraph/platform/auth';
import { traceCarrierOf, withTraceHeaders } from '@walletgraph/platform/tracing';

/**
 * Which client owns an account is the wallet's fact; the read model does not store it. This asks
 * the wallet subgraph (`_entities` → `Account.client.id`) with the balance service's own signed
 * identity. An account never changes owner, so answers are cached (bounded, oldest dropped
 * first); unknown accounts are not cached, since they may be opened later.
 */
export interface OwnershipDirectory {
  /**
   * accountId → clientId for every account the wallet knows; unknown ids are absent. `requestId`:
   * the asking request's, sent as the look-up's `x-request-id` so the wallet's log lines match it.
   */
  ownersOf(accountIds: readonly string[], requestId?: string): Promise<ReadonlyMap<string, string>>;
}

export interface OwnershipConfig {
  readonly walletSubgraphUrl: string;
  readonly internalSecret: string;
  readonly cacheEntriesMax: number;
  readonly timeoutMs: number;
}

/** Ids per request to the wallet subgraph. */
export const OWNERSHIP_BATCH_SIZE_MAX = 200;

const query = 'query BalanceOwnership($representations: [_Any!]!) { _entities(representations: $representations) { ... on Account { id client { id } } } }';

type EntitiesResponse = { data?: { _entities?: Array<{ id?: unknown; client?: { id?: unknown } | null } | null> } | null; errors?: unknown[] };

export function createOwnershipDirectory(deps: { readonly logger: Logger; readonly fetch?: typeof fetch }, config: OwnershipConfig): OwnershipDirectory {
  const cache = new Map<string, string>();
  const fetchImpl = deps.fetch ?? fetch;
  const identity = serviceIdentity('subgraph-balance');

  const remember = (accountId: string, clientId: string): void => {
    if (cache.size >= config.cacheEntriesMax) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    cache.set(accountId, clientId);
  };

  async function lookUp(accountIds: readonly string[], requestId: string | undefined): Promise<void> {
    const token = await mintInternalIdentity(identity, { secret: config.internalSecret });
    let body: EntitiesResponse;
    try {
      const response = await fetchImpl(config.walletSubgraphUrl, {
        method: 'POST',
        // The wallet's span joins the trace of the request that asked (tracing on).
        headers: withTraceHeaders<Record<string, string>>(
          { 'content-type': 'application/json', [INTERNAL_IDENTITY_HEADER]: token, ...(requestId === undefined ? {} : { 'x-request-id': requestId }) },
          traceCarrierOf(),
        ),
        body: JSON.stringify({ query, variables: { representations: accountIds.map((id) => ({ __typename: 'Account', id })) } }),
        signal: AbortSignal.timeout(config.timeoutMs),
      });
      body = (await response.json()) as EntitiesResponse;
      if (!response.ok || body.errors !== undefined)
        throw new Error(`wallet subgraph answered HTTP ${response.status}${body.errors === undefined ? '' : ' with errors'}`);
    } catch (error: unknown) {
      deps.logger.warn({ err: error }, 'account ownership look-up failed');
      throw new UnavailableError('cannot check account ownership right now; try again shortly', { cause: error });
    }
    for (const entity of body.data?._entities ?? []) {
      if (entity !== null && typeof entity.id === 'string' && typeof entity.client?.id === 'string')
        remember(entity.id.toLowerCase(), entity.client.id.toLowerCase());
    }
  }

  return {
    async ownersOf(accountIds, requestId) {
      const missing = [...new Set(accountIds.filter((id) => !cache.has(id)))];
      for (let start = 0; start < missing.length; start += OWNERSHIP_BATCH_SIZE_MAX)
        await lookUp(missing.slice(start, start + OWNERSHIP_BATCH_SIZE_MAX), requestId);
      const owners = new Map<string, string>();
      for (const id of accountIds) {
        const owner = cache.get(id);
        if (owner !== undefined) owners.set(id, owner);
      }
      return owners;
    },
  };
}
