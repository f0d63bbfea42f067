// `node cluster.mjs <N> <peer.mjs>`: runs a peer (stock Apollo, the plain handler) as N processes
// sharing one listening port through node:cluster, so `--workers N` gives every target N processes.
// N = 1 runs the peer in this process. A worker that dies takes the whole peer down (a bench run
// must not continue on fewer processes than it reports).
import cluster from 'node:cluster';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [countText, script] = process.argv.slice(2);
const count = Number(countText);
if (!Number.isInteger(count) || count < 1 || count > 8 || !script) throw new Error('usage: cluster.mjs <1..8> <peer.mjs>');
const load = () => import(pathToFileURL(path.resolve(script)).href);

if (count === 1 || !cluster.isPrimary) await load();
else {
  let stopping = false;
  for (let i = 0; i < count; i += 1) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`worker ${worker.process.pid} exited (${signal ?? code}); stopping`);
    process.exit(1);
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 5_000).unref();
    cluster.on('exit', () => Object.keys(cluster.workers ?? {}).length === 0 && process.exit(0));
  };
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, stop);
}
