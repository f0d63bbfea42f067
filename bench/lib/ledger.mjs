// "Nothing lost" checks of a run against the bench's own databases: the wallet's transaction rows
// and balance total (a transfer only moves money), and the project's reconciler (wallet vs read
// model, outbox backlog, consumer lag) once everything has drained.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { platform } from '../../scripts/lib/databases.mjs';
import { root } from './stack.mjs';

const require = createRequire(import.meta.url);

/** { rows, total } of the wallet database: transaction rows, and the sum of balances as text. */
export async function transactionLedger(walletUrl) {
  const t = platform().parseMysqlUrl(walletUrl);
  const connection = await require('mariadb').createConnection({ host: t.host, port: t.port, user: t.user, password: t.password, database: t.database });
  try {
    const [{ rows }] = await connection.query('SELECT COUNT(*) AS `rows` FROM transactions');
    const [{ total }] = await connection.query('SELECT CAST(SUM(balance) AS CHAR) AS total FROM accounts');
    return { rows: Number(rows), total: String(total) };
  } finally {
    await connection.end();
  }
}

/** Runs the reconciler (`--json --wait-ms`), so in-flight events are not counted as drift. */
export function reconcile({ urls, brokers, env, waitMs = 60_000 }) {
  const main = path.join(root, 'subgraph-wallet/dist/reconcile/main.js');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [main, '--json', '--wait-ms', String(waitMs)],
      { env: { ...process.env, ...env, ...urls, KAFKA_BROKERS: brokers, NODE_ENV: 'production' }, timeout: waitMs + 30_000, maxBuffer: 16 * 2 ** 20 },
      (error, stdout, stderr) => {
        const exit = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        let report = null;
        try {
          report = JSON.parse(stdout);
        } catch {
          /* reported below */
        }
        const status = exit === 0 ? 'consistent' : exit === 2 ? 'drift' : 'error';
        resolve({ status, exit, ...(report ? { drift_count: report.report?.drifts?.length ?? null } : { output: `${stdout}${stderr}`.slice(0, 500) }) });
      },
    );
  });
}
