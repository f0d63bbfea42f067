// A tiny GraphQL-over-HTTP client for the load: every call is bounded by a timeout and never throws;
// a failure is a result with a code ('NETWORK' or 'TIMEOUT' when no GraphQL answer came back).
import { adminAuthorization } from './auth';

export interface GqlError {
  readonly message: string;
  readonly extensions?: { readonly code?: string } & Record<string, unknown>;
}

export interface GqlOutcome<T> {
  readonly ok: boolean;
  readonly status: number;
  readonly data: T | undefined;
  readonly errors: readonly GqlError[];
  /** The first error's extensions.code, 'NETWORK', 'TIMEOUT', 'NO_CODE', or undefined on success. */
  readonly code: string | undefined;
}

export const REQUEST_TIMEOUT_MS = 15_000;

export async function gql<T = Record<string, unknown>>(url: string, query: string, variables: Record<string, unknown> = {}, timeoutMs = REQUEST_TIMEOUT_MS): Promise<GqlOutcome<T>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: await adminAuthorization() },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error: unknown) {
    const code = error instanceof Error && error.name === 'TimeoutError' ? 'TIMEOUT' : 'NETWORK';
    return { ok: false, status: 0, data: undefined, errors: [{ message: error instanceof Error ? error.message : String(error) }], code };
  }
  let body: { data?: T | null; errors?: GqlError[] };
  try {
    body = (await response.json()) as { data?: T | null; errors?: GqlError[] };
  } catch {
    return { ok: false, status: response.status, data: undefined, errors: [{ message: `HTTP ${response.status}, body is not JSON` }], code: 'NO_CODE' };
  }
  const errors = body.errors ?? [];
  const ok = errors.length === 0 && body.data !== undefined && body.data !== null;
  const code = ok ? undefined : (errors[0]?.extensions?.code ?? 'NO_CODE');
  return { ok, status: response.status, data: body.data ?? undefined, errors, code };
}

/** Returns data or throws with the errors: for setup steps that must succeed. */
export async function gqlOrThrow<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await gql<T>(url, query, variables);
  if (!result.ok || result.data === undefined) throw new Error(`GraphQL call failed (${result.status}): ${JSON.stringify(result.errors).slice(0, 500)}`);
  return result.data;
}

export const Mutations = {
  createClient: 'mutation($input: CreateClientInput!) { createClient(input: $input) { id } }',
  createAccount: 'mutation($input: CreateAccountInput!) { createAccount(input: $input) { id } }',
  deposit: 'mutation($input: DepositInput!) { deposit(input: $input) { id } }',
  transfer: 'mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { id } }',
};
