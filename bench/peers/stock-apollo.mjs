// Peer (b): @apollo/gateway on @apollo/server's standalone server, serving the same supergraph as
// our gateway (subgraph URLs rewritten into the file by bench/run.mjs). Its one addition is what the
// subgraphs demand of any caller: the caller's signed identity header (peers/identity.mjs: bearer
// verified and identity signed once per caller, reused 30 s, as ours), put in the context and set in
// RemoteGraphQLDataSource.willSendRequest (Apollo's documented hook for subgraph headers).
// FETCHER=default keeps Apollo's own fetcher (make-fetch-happen); FETCHER=keepalive gives every
// subgraph an undici keep-alive pool of SOCKETS_MAX (default 64) connections, as our gateway has.
// Env: SUPERGRAPH_PATH, PORT, HOST (default 127.0.0.1), FETCHER, SOCKETS_MAX, INTERNAL_AUTH_SECRET, AUTH_*.
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { Agent, fetch as undiciFetch } from 'undici';
import { createCallerIdentities } from './identity.mjs';

const identities = createCallerIdentities();
const supergraphSdl = readFileSync(process.env.SUPERGRAPH_PATH, 'utf8');
const fetcherMode = process.env.FETCHER ?? 'default';
if (!['default', 'keepalive'].includes(fetcherMode)) throw new Error(`FETCHER must be default or keepalive, not ${fetcherMode}`);
const dispatcher = new Agent({ connections: Number(process.env.SOCKETS_MAX ?? 64), keepAliveTimeout: 60_000, pipelining: 1 });
const keepAliveFetcher = (url, init) => undiciFetch(url, { ...init, dispatcher });
const buildService = ({ url }) =>
  new RemoteGraphQLDataSource({
    url,
    ...(fetcherMode === 'keepalive' ? { fetcher: keepAliveFetcher } : {}),
    willSendRequest({ request, context }) {
      request.http?.headers.set(identities.name, context.identity);
    },
  });
const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl, buildService }) });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' },
  context: async ({ req }) => ({ identity: await identities.headerFor(req.headers.authorization) }),
});
console.log(`stock apollo gateway (${fetcherMode} fetcher) listening at ${url}`);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => void server.stop().finally(() => process.exit(0)));
