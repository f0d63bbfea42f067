import { ClientErrorCode, NetworkError, WalletError, walletErrorFromGraphQL, type WalletGraphQLError } from '../errors.js';

/** A GraphQL response body, parsed from `unknown`. */
export interface GraphQLResponseBody {
  readonly data: Readonly<Record<string, unknown>> | null;
  readonly errors: readonly WalletGraphQLError[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parsePath(value: unknown): readonly (string | number)[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter((segment): segment is string | number => typeof segment === 'string' || typeof segment === 'number');
}

/** One entry of `errors`; anything malformed still becomes an error, never a silent success. */
export function parseGraphQLError(value: unknown): WalletGraphQLError {
  if (!isRecord(value)) return { message: 'malformed GraphQL error', code: undefined, path: undefined, extensions: {} };
  const extensions = isRecord(value['extensions']) ? value['extensions'] : {};
  const code = extensions['code'];
  return {
    message: typeof value['message'] === 'string' ? value['message'] : 'GraphQL error without a message',
    code: typeof code === 'string' ? code : undefined,
    path: parsePath(value['path']),
    extensions,
  };
}

/** `undefined` when the value is not a GraphQL response at all (an HTML error page, a proxy's JSON). */
export function parseGraphQLBody(value: unknown): GraphQLResponseBody | undefined {
  if (!isRecord(value)) return undefined;
  const hasData = 'data' in value;
  const rawErrors = value['errors'];
  if (!hasData && !Array.isArray(rawErrors)) return undefined;
  const data = value['data'];
  if (data !== undefined && data !== null && !isRecord(data)) return undefined;
  return { data: data ?? null, errors: Array.isArray(rawErrors) ? rawErrors.map(parseGraphQLError) : [] };
}

/** Statuses that mean "not now" rather than "no": worth a retry when no GraphQL body explains them. */
function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Turns an HTTP status and body text into the operation's `data`, or throws: a refusal
 * (`WalletError` with the API's code), a `NetworkError` (retriable), or `BAD_RESPONSE`.
 */
export function dataFromHttpResponse(status: number, text: string): Readonly<Record<string, unknown>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const body = parseGraphQLBody(json);
  if (body === undefined) {
    const message = `HTTP ${status} without a GraphQL body`;
    if (isTransientStatus(status)) throw new NetworkError(message, { httpStatus: status });
    throw new WalletError(ClientErrorCode.BAD_RESPONSE, message, { httpStatus: status, retriable: false });
  }
  if (body.errors.length > 0) throw walletErrorFromGraphQL(body.errors, status);
  if (body.data === null)
    throw new WalletError(ClientErrorCode.BAD_RESPONSE, `HTTP ${status}: GraphQL response with neither data nor errors`, { httpStatus: status });
  return body.data;
}
