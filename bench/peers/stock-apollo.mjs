// Peer (b): a stock, untuned @apollo/gateway on @apollo/server's standalone server, serving the
// same supergraph as our gateway (subgraph URLs rewritten into the file by bench/run.mjs).
// Env: SUPERGRAPH_PATH, PORT, HOST (default 127.0.0.1).
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const supergraphSdl = readFileSync(process.env.SUPERGRAPH_PATH, 'utf8');
const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
const { url } = await startStandaloneServer(server, { listen: { port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' } });
console.log(`stock apollo gateway listening at ${url}`);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => void server.stop().finally(() => process.exit(0)));
