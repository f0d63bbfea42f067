// A lean keep-alive JSON POST client (node:http), so the load generator spends little CPU per call.
import http from 'node:http';
import { benchHeaders } from './auth.mjs';

/** Bounded keep-alive pool for one benchmark client. */
export function createAgent(socketsMax = 256) {
  return new http.Agent({ keepAlive: true, maxSockets: socketsMax, maxFreeSockets: socketsMax });
}

/** POST a JSON body (with the bench's credentials); resolves { status, json, ms } or rejects on a network error / timeout. */
export async function postJson(agent, url, body, { timeoutMs = 10_000, headers = {} } = {}) {
  return postJsonWith(agent, url, body, { timeoutMs, headers: { ...(await benchHeaders()), ...headers } });
}

function postJsonWith(agent, url, body, { timeoutMs, headers }) {
  const payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const target = new URL(url);
  const startedNs = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': payload.length, ...headers },
        timeout: timeoutMs,
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          const ms = Number(process.hrtime.bigint() - startedNs) / 1e6;
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = { errors: [{ message: `non-JSON response: ${text.slice(0, 200)}` }] };
          }
          resolve({ status: response.statusCode, json, ms });
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(payload);
  });
}

/** GraphQL POST that throws on transport errors and on GraphQL errors. */
export async function graphql(agent, url, query, variables = {}, options = {}) {
  const { status, json } = await postJson(agent, url, { query, variables }, options);
  if (status !== 200 || json.errors) throw new Error(`GraphQL ${status}: ${JSON.stringify(json.errors ?? json).slice(0, 300)}`);
  return json.data;
}
