// node bench/tools/fake-subgraphs.mjs <wallet port> <balance port>: two subgraphs in one process that
// answer the bench's Read plan from memory (wallet: account with its client; balance: _entities with
// a balance), for gateway-read-ab.mjs. No identity check: they measure nothing themselves.
import http from 'node:http';

const [walletPort, balancePort] = process.argv.slice(2).map(Number);

function serve(port, answer) {
  const server = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const text = JSON.stringify(answer(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1');
}

serve(walletPort, (body) => {
  const id = body.variables?.id ?? 'unknown';
  return { data: { account: { __typename: 'Account', id, client: { name: `Client ${id}`, email: `${id}@bench.test` } } } };
});
serve(balancePort, (body) => ({ data: { _entities: (body.variables?.representations ?? []).map(() => ({ balance: { amount: '1000000.00', version: 1 } })) } }));
