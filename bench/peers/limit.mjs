// Peer (d), the limit anchor: plain node:http that answers the benchmark query's JSON by calling
// the two subgraphs directly with fixed queries (no GraphQL parsing or planning of its own).
// Both subgraph calls start at once: the id is known up front, so this is the floor for any gateway.
// Env: WALLET_URL, BALANCE_URL, PORT, HOST (default 127.0.0.1), SOCKETS_MAX (default 64, as our
// gateway; all of them kept alive when idle, so no connection churn under load), INTERNAL_AUTH_SECRET.
import http from 'node:http';
import { createIdentityHeader } from './identity.mjs';

// Like every gateway here, it sends a signed identity (refreshed every 30 s) on each subgraph call.
const identity = await createIdentityHeader('bench-limit-peer');

const walletUrl = new URL(process.env.WALLET_URL);
const balanceUrl = new URL(process.env.BALANCE_URL);
const socketsMax = Number(process.env.SOCKETS_MAX ?? 64);
const agent = new http.Agent({ keepAlive: true, maxSockets: socketsMax, maxFreeSockets: socketsMax });
const bodyBytesMax = 100_000;

const walletQuery = 'query($id:ID!){account(id:$id){id client{name email}}}';
const balanceQuery = 'query($r:[_Any!]!){_entities(representations:$r){...on Account{balance{amount version}}}}';

async function post(url, body) {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': payload.length, [identity.name]: identity.value() } },
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

async function answer(id) {
  const [wallet, balance] = await Promise.all([post(walletUrl, { query: walletQuery, variables: { id } }), post(balanceUrl, { query: balanceQuery, variables: { r: [{ __typename: 'Account', id }] } })]);
  const errors = [...(wallet.errors ?? []), ...(balance.errors ?? [])];
  const account = wallet.data?.account ?? null;
  const data = { account: account && { ...account, balance: balance.data?._entities?.[0]?.balance ?? null } };
  return errors.length ? { data, errors } : { data };
}

const server = http.createServer({ keepAliveTimeout: 65_000 }, async (request, response) => {
  try {
    const body = JSON.parse(await readBody(request));
    const json = JSON.stringify(await answer(String(body.variables?.id ?? '')));
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
