// Seeds benchmark accounts: direct SQL into the bench's own databases (fast, consistent on both
// sides: same amount, same version), or through the gateway's mutations on a running stack.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { platform } from '../../scripts/lib/databases.mjs';
import { createAgent, graphql } from './http-client.mjs';

const require = createRequire(import.meta.url);
export const seedAmount = '1000000';
export const seedVersion = 1;
const rowsPerInsertMax = 500;

async function connect(url) {
  const mariadb = require('mariadb');
  const t = platform().parseMysqlUrl(url);
  return mariadb.createConnection({ host: t.host, port: t.port, user: t.user, password: t.password, database: t.database });
}

async function insertRows(connection, sqlHead, rows) {
  for (let i = 0; i < rows.length; i += rowsPerInsertMax) {
    const chunk = rows.slice(i, i + rowsPerInsertMax);
    const placeholders = chunk.map((row) => `(${row.map(() => '?').join(',')})`).join(',');
    await connection.query(`${sqlHead} VALUES ${placeholders}`, chunk.flat());
  }
}

/** count accounts (one client each) with seedAmount at version seedVersion in both databases; { ids, owners: Map account id → client id }. */
export async function seedSql(urls, count) {
  const now = new Date();
  const accounts = Array.from({ length: count }, (_, i) => ({ id: randomUUID(), clientId: randomUUID(), i }));
  const wallet = await connect(urls.WALLET_DATABASE_URL);
  try {
    await insertRows(
      wallet,
      'INSERT INTO clients (id, name, email, email_key, created_at, updated_at)',
      accounts.map((a) => [
        a.clientId,
        `Bench ${a.i}`,
        `bench${a.i}.${a.clientId.slice(0, 8)}@bench.test`,
        `bench${a.i}.${a.clientId.slice(0, 8)}@bench.test`,
        now,
        now,
      ]),
    );
    await insertRows(
      wallet,
      'INSERT INTO accounts (id, client_id, balance, version, created_at, updated_at)',
      accounts.map((a) => [a.id, a.clientId, seedAmount, seedVersion, now, now]),
    );
  } finally {
    await wallet.end();
  }
  const balance = await connect(urls.BALANCE_DATABASE_URL);
  try {
    await insertRows(
      balance,
      'INSERT INTO balances (id, account_id, amount, version, created_at, updated_at)',
      accounts.map((a) => [randomUUID(), a.id, seedAmount, seedVersion, now, now]),
    );
  } finally {
    await balance.end();
  }
  return { ids: accounts.map((a) => a.id), owners: new Map(accounts.map((a) => [a.id, a.clientId])) };
}

/**
 * A running stack: createClient → createAccount → deposit through the gateway, then wait until the
 * read model shows the last account's balance. Returns { ids, owners: Map account id → client id }.
 */
export async function seedThroughGateway(gatewayUrl, count, { concurrency = 16, log }) {
  const agent = createAgent(concurrency);
  const ids = [];
  const owners = new Map();
  const runId = randomUUID().slice(0, 8);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const client = await graphql(agent, gatewayUrl, 'mutation($i:CreateClientInput!){createClient(input:$i){id}}', {
        i: { name: `Bench ${i}`, email: `bench${i}.${runId}@bench.test` },
      });
      const account = await graphql(agent, gatewayUrl, 'mutation($i:CreateAccountInput!){createAccount(input:$i){id}}', {
        i: { clientId: client.createClient.id },
      });
      const id = account.createAccount.id;
      await graphql(agent, gatewayUrl, 'mutation($i:DepositInput!){deposit(input:$i){id}}', {
        i: { accountId: id, amount: seedAmount, idempotencyKey: `bench-seed-${id}` },
      });
      ids.push(id);
      owners.set(id, client.createClient.id);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const deadlineMs = Date.now() + 120_000;
  for (;;) {
    const data = await graphql(agent, gatewayUrl, 'query($id:ID!){balance(accountId:$id){amount}}', { id: ids[ids.length - 1] });
    if (data.balance && Number(data.balance.amount) >= Number(seedAmount)) break;
    if (Date.now() > deadlineMs) throw new Error('the read model did not catch up with the seeded deposits within 120 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`seeded ${ids.length} accounts through the gateway`);
  agent.destroy();
  return { ids, owners };
}

/** Current wallet versions of ids, read through the balance read model once it has caught up. */
export async function readVersions(gatewayUrl, ids) {
  const agent = createAgent(16);
  const versions = new Map();
  for (let i = 0; i < ids.length; i += 25) {
    const chunk = ids.slice(i, i + 25);
    const query = `query{${chunk.map((id, j) => `a${j}:balance(accountId:"${id}"){version}`).join(' ')}}`;
    const data = await graphql(agent, gatewayUrl, query, {}, { headers: {} });
    chunk.forEach((id, j) => versions.set(id, data[`a${j}`]?.version ?? 0));
  }
  agent.destroy();
  return versions;
}
