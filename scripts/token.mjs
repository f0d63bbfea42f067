#!/usr/bin/env node
// npm run token -- --admin | --client <clientId> [--subject <sub>] [--expires-in 1h]
// Prints one bearer token (only the token, on stdout) signed with AUTH_JWT_SECRET, or the
// development secret outside production. Use it as `Authorization: Bearer <token>`.
import { parseArgs } from 'node:util';
import { mintToken } from './lib/tokens.mjs';

const usage = 'usage: npm run -s token -- --admin | --client <clientId> [--subject <sub>] [--expires-in 1h]';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function main() {
  const { values } = parseArgs({
    options: {
      admin: { type: 'boolean' },
      client: { type: 'string' },
      subject: { type: 'string' },
      'expires-in': { type: 'string', default: '1h' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return void console.log(usage);
  if (Boolean(values.admin) === (values.client !== undefined)) throw new Error(`choose exactly one of --admin or --client <clientId>\n${usage}`);
  if (values.client !== undefined && !uuid.test(values.client)) throw new Error(`--client needs a client id (UUID), got ${JSON.stringify(values.client)}`);
  const expiresIn = /^\d+$/.test(values['expires-in']) ? Number(values['expires-in']) : values['expires-in'];
  const identity = values.admin ? { role: 'admin' } : { role: 'client', clientId: values.client.toLowerCase() };
  const token = await mintToken({ ...identity, ...(values.subject === undefined ? {} : { subject: values.subject }) }, { expiresIn });
  process.stdout.write(`${token}\n`);
}

main().catch((error) => {
  process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
