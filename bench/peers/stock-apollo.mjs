// Peer (b): a stock, untuned @apollo/gateway on @apollo/server's standalone server, serving the
// same supergraph as our gateway (subgraph URLs rewritten into the file by bench/run.mjs). Its one
// addition is what the subgraphs demand of any caller: the signed identity header, set in
// RemoteGraphQLDataSource.willSendRequest (Apollo's documented hook for subgraph headers).
// Env: SUPERGRAPH_PATH, PORT, HOST (default 127.0.0.1), INTERNAL_AUTH_SECRET.
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { createIdentityHeader } from './identity.mjs';

const identity = await createIdentityHeader('bench-stock-apollo-peer');
const supergraphSdl = readFileSync(process.env.SUPERGRAPH_PATH, 'utf8');
const buildService = ({ url }) =>
  new RemoteGraphQLDataSource({
    url,
    willSendRequest({ request }) {
      request.http?.headers.set(identity.name, identity.value());
    },
  });
const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl, buildService }) });
const { url } = await startStandaloneServer(server, { listen: { port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' } });
console.log(`stock apollo gateway listening at ${url}`);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => void server.stop().finally(() => process.exit(0)));
