// Peer (d), the limit anchor: plain node:http that answers the benchmark query's JSON by calling
// the two subgraphs directly with fixed queries (no GraphQL parsing or planning of its own).
// Both subgraph calls start at once: the id is known up front, so this is the floor for any gateway.
// Like our gateway it merges identical in-flight subgraph calls (same subgraph, body and signed
// identity), so it stays the floor on the hot id too, and it signs each caller's own identity
// (peers/identity.mjs: bearer verified and identity signed once per caller, reused 30 s, as ours).
// Env: WALLET_URL, BALANCE_URL, PORT, HOST (default 127.0.0.1), SOCKETS_MAX (default 64, as our
// gateway; all of them kept alive when idle, so no connection churn under load), INTERNAL_AUTH_SECRET, AUTH_*.
import http from 'node:http';
import { createCallerIdentities } from './identity.mjs';

const identities = createCallerIdentities();
/** key (subgraph, body, identity) → the promise of the one fetch in flight for it. */
const inFlight = new Map();

const walletUrl = new URL(process.env.WALLET_URL);
const balanceUrl = new URL(process.env.BALANCE_URL);
const socketsMax = Number(process.env.SOCKETS_MAX ?? 64);
const agent = new http.Agent({ keepAlive: true, maxSockets: socketsMax, maxFreeSockets: socketsMax });
const bodyBytesMax = 100_000;

const walletQuery = 'query($id:ID!){account(id:$id){id client{name email}}}';
const balanceQuery = 'query($r:[_Any!]!){_entities(representations:$r){...on Account{balance{amount version}}}}';

/** One fetch per identical (subgraph, body, identity) in flight; the callers share its answer. */
function post(url, body, identity) {
  const payload = JSON.stringify(body);
  const key = `${url.href}\n${identity}\n${payload}`;
  const pending = inFlight.get(key);
  if (pending !== undefined) return pending;
  const promise = fetchOnce(url, Buffer.from(payload), identity).finally(() => inFlight.delete(key));
  inFlight.set(key, promise);
  return promise;
}

async function fetchOnce(url, payload, identity) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': payload.length, [identities.name]: identity },
      },
      (response) => {
        const chunks = [];
        response.on('data', (c) => chunks.push(c));
        response.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(error);
          }
        });
        response.on('error', reject);
      },
    );
    request.setTimeout(10_000, () => request.destroy(new Error('subgraph timeout')));
    request.on('error', reject);
    request.end(payload);
  });
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    request.on('data', (c) => {
      size += c.length;
      if (size > bodyBytesMax) request.destroy(new Error('body too large'));
      else chunks.push(c);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

async function answer(id, identity) {
  const [wallet, balance] = await Promise.all([
    post(walletUrl, { query: walletQuery, variables: { id } }, identity),
    post(balanceUrl, { query: balanceQuery, variables: { r: [{ __typename: 'Account', id }] } }, identity),
  ]);
  const errors = [...(wallet.errors ?? []), ...(balance.errors ?? [])];
  const account = wallet.data?.account ?? null;
  const data = { account: account && { ...account, balance: balance.data?._entities?.[0]?.balance ?? null } };
  return errors.length ? { data, errors } : { data };
}

const server = http.createServer({ keepAliveTimeout: 65_000 }, async (request, response) => {
  try {
    const body = JSON.parse(await readBody(request));
    const identity = await identities.headerFor(request.headers.authorization);
    const json = JSON.stringify(await answer(String(body.variables?.id ?? ''), identity));
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    response.end(json);
  } catch (error) {
    const json = JSON.stringify({ errors: [{ message: error instanceof Error ? error.message : String(error) }] });
    response.writeHead(500, { 'content-type': 'application/json' });
    response.end(json);
  }
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () => console.log(`limit handler listening on ${process.env.PORT}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
