// Monaco runs its language services in web workers. They are bundled at build time and served by
// the gateway under /playground/, so the playground never reaches for a CDN (GraphiQL's own
// `setup-workers/esm.sh` would).
const workerBase = '/playground/';

function workerFor(label: string): Worker {
  switch (label) {
    case 'json':
      return new Worker(`${workerBase}json.worker.js`);
    case 'graphql':
      return new Worker(`${workerBase}graphql.worker.js`);
    default:
      return new Worker(`${workerBase}editor.worker.js`);
  }
}

(globalThis as { MonacoEnvironment?: { getWorker(workerId: string, label: string): Worker } }).MonacoEnvironment = {
  getWorker: (_workerId, label) => workerFor(label),
};
