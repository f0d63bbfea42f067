// Imported first: the workers must be configured before Monaco loads.
import './workers';
import 'graphiql/style.css';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createRoot } from 'react-dom/client';

const url = new URL('/graphql', window.location.href);
const subscriptionUrl = new URL(url);
subscriptionUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';

/** Served by the gateway (playground/serve.ts): an admin token in dev mode, a placeholder otherwise. */
const runtime = (window as { __WALLETGRAPH_PLAYGROUND__?: { headers?: string } }).__WALLETGRAPH_PLAYGROUND__;
const defaultHeaders = runtime?.headers ?? '';

const fetcher = createGraphiQLFetcher({ url: url.toString(), subscriptionUrl: subscriptionUrl.toString() });

const defaultQuery = `# Queries, mutations and subscriptions all go through this one endpoint.
query Account($id: ID! = "7dfe0fa9-d168-4329-a9ba-ca1b7052fac3") {
  account(id: $id) {
    id
    client { name }
    balance { amount version }
  }
}
`;

const root = document.getElementById('root');
if (root === null) throw new Error('the playground page has no #root element');
createRoot(root).render(
  <GraphiQL fetcher={fetcher} defaultQuery={defaultQuery} defaultHeaders={defaultHeaders} initialHeaders={defaultHeaders} shouldPersistHeaders={false} />,
);
