// Peer (c): Hive Gateway's configuration file (`hive-gateway supergraph <file> -c <this file>`),
// defaults otherwise. Its one addition is the signed identity header the subgraphs demand,
// through Hive's supported hook for upstream headers (`propagateHeaders.fromClientToSubgraphs`).
// The token changes only every 30 s, so Hive's merging of identical in-flight subgraph requests
// (its key includes the headers) works as it would with any static credential.
// Env: INTERNAL_AUTH_SECRET.
import { createIdentityHeader } from './identity.mjs';

const identity = await createIdentityHeader('bench-hive-peer');

export const gatewayConfig = {
  propagateHeaders: {
    fromClientToSubgraphs: () => ({ [identity.name]: identity.value() }),
  },
};
