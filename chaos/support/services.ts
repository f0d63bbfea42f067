// The three services as real processes on 127.0.0.1: what every suite must say about each (built
// entry, ports, database, readiness URL, log file, the subgraph URLs the gateway needs). Callers add
// their own settings (Kafka, topics, secrets, tuning) through `env`.
import path from 'node:path';
import { createServiceProcess, SERVICE_SCRIPTS, type ServiceProcess } from './processes';
import { repoRoot } from './scripts';

type Env = Readonly<Record<string, string>>;

export function walletProcess(options: {
  readonly logDir: string;
  readonly port: number;
  readonly restPort: number;
  readonly databaseUrl: string;
  readonly env: Env;
}): ServiceProcess {
  return createServiceProcess({
    name: 'wallet',
    script: SERVICE_SCRIPTS.wallet,
    readyUrl: `http://127.0.0.1:${options.port}/health/ready`,
    logFile: path.join(options.logDir, 'wallet.log'),
    env: {
      ...options.env,
      WALLET_DATABASE_URL: options.databaseUrl,
      WALLET_PORT: String(options.port),
      WALLET_REST_PORT: String(options.restPort),
      WALLET_HOST: '127.0.0.1',
    },
  });
}

export function balanceProcess(options: {
  readonly name: string;
  readonly logDir: string;
  readonly port: number;
  readonly restPort: number;
  readonly databaseUrl: string;
  readonly env: Env;
}): ServiceProcess {
  return createServiceProcess({
    name: options.name,
    script: SERVICE_SCRIPTS.balance,
    readyUrl: `http://127.0.0.1:${options.port}/health/ready`,
    logFile: path.join(options.logDir, `${options.name}.log`),
    env: {
      ...options.env,
      BALANCE_DATABASE_URL: options.databaseUrl,
      BALANCE_PORT: String(options.port),
      BALANCE_REST_PORT: String(options.restPort),
      BALANCE_HOST: '127.0.0.1',
    },
  });
}

export function gatewayProcess(options: {
  readonly logDir: string;
  readonly port: number;
  readonly walletPort: number | string;
  readonly balancePort: number | string;
  /** `/health/live` (up, whatever the subgraphs do) or `/health/ready` (subgraphs reachable too). */
  readonly readyPath: '/health/live' | '/health/ready';
  readonly env: Env;
}): ServiceProcess {
  return createServiceProcess({
    name: 'gateway',
    script: SERVICE_SCRIPTS.gateway,
    readyUrl: `http://127.0.0.1:${options.port}${options.readyPath}`,
    logFile: path.join(options.logDir, 'gateway.log'),
    env: {
      ...options.env,
      GATEWAY_PORT: String(options.port),
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_WORKERS: '1',
      WALLET_SUBGRAPH_URL: `http://127.0.0.1:${options.walletPort}/graphql`,
      BALANCE_SUBGRAPH_URL: `http://127.0.0.1:${options.balancePort}/graphql`,
      BALANCE_SUBGRAPH_WS_URL: `ws://127.0.0.1:${options.balancePort}/graphql`,
      GATEWAY_SUPERGRAPH_PATH: path.join(repoRoot, 'gateway/supergraph.graphql'),
    },
  });
}
