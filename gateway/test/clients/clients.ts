// Third-party GraphQL clients, each with its default settings and only the bearer token added (and,
// on Node 20, `ws` as the WebSocket implementation, which browsers and Node 22 have built in).
// Adding a client is one entry in `clientsUnderTest`.
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { Client as UrqlClient, cacheExchange, fetchExchange, subscriptionExchange, type OperationResult } from '@urql/core';
import { OperationTypeNode, type ExecutionResult } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient, type FormattedExecutionResult, type Sink } from 'graphql-ws';
import WebSocket from 'ws';
import { createLive, type ClientUnderTest, type EventResult, type Live, type Session } from './scenario';

/** Resolves `data` of a complete result, rejects with its errors otherwise. */
function dataOf(result: ExecutionResult | EventResult, what: string): Record<string, unknown> {
  if (result.errors !== undefined && result.errors.length > 0) throw new Error(`${what}: ${JSON.stringify(result.errors)}`);
  if (result.data === undefined || result.data === null) throw new Error(`${what}: no data`);
  return result.data;
}

function wsClientOf(wsUrl: string, token: string): WsClient {
  return createWsClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } });
}

/** graphql-ws and graphql-sse share the sink-style `subscribe(payload, sink)`. */
type SinkClient = {
  subscribe(
    payload: { query: string; variables: Record<string, unknown> },
    sink: { next(value: unknown): void; error(error: unknown): void; complete(): void },
  ): () => void;
};

function sinkOperation(client: SinkClient, query: string, variables: Record<string, unknown>, what: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let result: ExecutionResult | undefined;
    client.subscribe(
      { query, variables },
      {
        next: (value) => {
          result = value as ExecutionResult;
        },
        error: reject,
        complete: () => {
          try {
            resolve(dataOf(result ?? {}, what));
          } catch (error: unknown) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
      },
    );
  });
}

function sinkSubscription(client: SinkClient, query: string, variables: Record<string, unknown>): Live {
  let unsubscribe: () => void = () => undefined;
  const live = createLive(() => unsubscribe());
  unsubscribe = client.subscribe(
    { query, variables },
    { next: (value) => live.push(value as EventResult), error: (error) => live.fail(error), complete: () => live.complete() },
  );
  return live;
}

function graphqlWs(): ClientUnderTest {
  return {
    name: 'graphql-ws',
    packages: ['graphql-ws'],
    transport: 'WebSocket (graphql-transport-ws) for all three',
    open(endpoints, token): Session {
      const client = wsClientOf(endpoints.wsUrl, token);
      return {
        query: (query, variables) => sinkOperation(client, query, variables, 'query'),
        mutate: (query, variables) => sinkOperation(client, query, variables, 'mutation'),
        subscribe: (query, variables) => sinkSubscription(client, query, variables),
        close: async () => {
          await client.dispose();
        },
      };
    },
  };
}

function graphqlSse(singleConnection: boolean): ClientUnderTest {
  return {
    name: `graphql-sse (${singleConnection ? 'single connection' : 'distinct connections'})`,
    packages: ['graphql-sse'],
    transport: singleConnection ? 'SSE, one stream: PUT reservation, GET stream, POST operations, DELETE' : 'SSE, one POST stream per operation',
    open(endpoints, token): Session {
      const client = createSseClient({ url: endpoints.url, singleConnection, headers: { authorization: `Bearer ${token}` } });
      return {
        query: (query, variables) => sinkOperation(client, query, variables, 'query'),
        mutate: (query, variables) => sinkOperation(client, query, variables, 'mutation'),
        subscribe: (query, variables) => sinkSubscription(client, query, variables),
        close: async () => client.dispose(),
      };
    },
  };
}

function apolloClient(): ClientUnderTest {
  return {
    name: 'Apollo Client (HttpLink + GraphQLWsLink)',
    packages: ['@apollo/client', 'graphql-ws'],
    transport: 'HTTP POST (HttpLink) / WebSocket (GraphQLWsLink)',
    open(endpoints, token): Session {
      const wsClient = wsClientOf(endpoints.wsUrl, token);
      const link = ApolloLink.split(
        (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
        new GraphQLWsLink(wsClient),
        new HttpLink({ uri: endpoints.url, headers: { authorization: `Bearer ${token}` } }),
      );
      const client = new ApolloClient({ link, cache: new InMemoryCache() });
      return {
        query: async (query, variables) => {
          const result = await client.query({ query: gql(query), variables });
          return dataOf({ data: result.data as Record<string, unknown> }, 'query');
        },
        mutate: async (query, variables) => {
          const result = await client.mutate({ mutation: gql(query), variables });
          return dataOf({ data: result.data as Record<string, unknown> }, 'mutation');
        },
        subscribe: (query, variables) => {
          let stop: () => void = () => undefined;
          const live = createLive(() => stop());
          const subscription = client.subscribe({ query: gql(query), variables }).subscribe({
            next: (result) => {
              const errors = CombinedGraphQLErrors.is(result.error) ? result.error.errors : undefined;
              if (result.error !== undefined && errors === undefined) live.fail(result.error);
              else live.push({ data: (result.data ?? null) as Record<string, unknown> | null, ...(errors === undefined ? {} : { errors }) });
            },
            error: (error: unknown) => live.fail(error),
            complete: () => live.complete(),
          });
          stop = () => subscription.unsubscribe();
          return live;
        },
        close: async () => {
          client.stop();
          await wsClient.dispose();
        },
      };
    },
  };
}

function urql(): ClientUnderTest {
  return {
    name: 'urql (cacheExchange, fetchExchange, subscriptionExchange over graphql-ws)',
    packages: ['@urql/core', 'graphql-ws'],
    transport: 'HTTP GET for queries, POST for mutations (fetchExchange) / WebSocket (graphql-ws sink)',
    open(endpoints, token): Session {
      const wsClient = wsClientOf(endpoints.wsUrl, token);
      const client = new UrqlClient({
        url: endpoints.url,
        fetchOptions: { headers: { authorization: `Bearer ${token}` } },
        exchanges: [
          cacheExchange,
          fetchExchange,
          subscriptionExchange({
            forwardSubscription: (request) => ({
              // urql's ExecutionResult is graphql-ws's without `| undefined` on its optional fields.
              subscribe: (sink) => ({ unsubscribe: wsClient.subscribe({ ...request, query: request.query ?? '' }, sink as Sink<FormattedExecutionResult>) }),
            }),
          }),
        ],
      });
      const settled = (result: OperationResult, what: string): Record<string, unknown> => {
        if (result.error !== undefined) throw new Error(`${what}: ${result.error.message} ${JSON.stringify(result.error.graphQLErrors)}`);
        return dataOf({ data: (result.data ?? null) as Record<string, unknown> | null }, what);
      };
      return {
        query: async (query, variables) => settled(await client.query(query, variables).toPromise(), 'query'),
        mutate: async (query, variables) => settled(await client.mutation(query, variables).toPromise(), 'mutation'),
        subscribe: (query, variables) => {
          let stop: () => void = () => undefined;
          const live = createLive(() => stop());
          const subscription = client.subscription(query, variables).subscribe((result) => {
            if (result.error !== undefined && result.error.graphQLErrors.length === 0) live.fail(result.error);
            else
              live.push({
                data: (result.data ?? null) as Record<string, unknown> | null,
                ...(result.error === undefined ? {} : { errors: result.error.graphQLErrors }),
              });
          });
          stop = () => subscription.unsubscribe();
          return live;
        },
        close: async () => {
          await wsClient.dispose();
        },
      };
    },
  };
}

export const clientsUnderTest: readonly ClientUnderTest[] = [graphqlWs(), graphqlSse(false), graphqlSse(true), apolloClient(), urql()];
