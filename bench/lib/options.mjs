// Command-line options and the two run profiles (quick for development, full for the record).
const profiles = {
  quick: {
    accounts: 2_000,
    readLevels: [64],
    readDurationS: 3,
    readWarmupS: 1,
    readRepetitions: 3,
    clientCount: 1_000,
    overheadRequests: 300,
    transferCallers: 32,
    transferDurationS: 4,
    transferWarmupS: 1,
    propagationRatePerS: 200,
    propagationDurationS: 5,
    propagationLowRatePerS: 0,
    propagationPairs: 100,
    subscriberCounts: [1_000],
    subscriberRatePerS: 10,
    subscriberDurationS: 4,
    resumeMissedVersions: 1_000,
    resumeRepetitions: 3,
    minVersionReads: 200,
  },
  full: {
    accounts: 2_000,
    readLevels: [64],
    readDurationS: 8,
    readWarmupS: 2,
    readRepetitions: 3,
    clientCount: 1_000,
    overheadRequests: 2_000,
    transferCallers: 32,
    transferDurationS: 15,
    transferWarmupS: 3,
    propagationRatePerS: 200,
    propagationDurationS: 20,
    propagationLowRatePerS: 20,
    propagationPairs: 100,
    subscriberCounts: [1_000, 10_000],
    subscriberRatePerS: 10,
    subscriberDurationS: 10,
    resumeMissedVersions: 1_000,
    resumeRepetitions: 3,
    minVersionReads: 1_000,
  },
};

export const scenarioNames = ['read', 'overhead', 'transfers', 'propagation', 'subscribers', 'resume'];

const usage = `npm run bench -- [options]
  --quick               short profile (≈ 7 minutes): read cells 3 × 3 s, 1,000 subscribers (admin and clients)
  --only=a,b            scenarios among ${scenarioNames.join(', ')} (default: all)
  --build               rebuild before running (default: only when build outputs are missing)
  --profile             run our gateway and both subgraphs under --cpu-prof; profiles go to bench/results/profiles/<process>/
  --record              write bench/results/latest.json and bench/results/<date>.json (both committed) and
                        rewrite bench/RESULTS.md and the README's figures from it; without it a run writes
                        only bench/results/unrecorded.json (git-ignored)
  --compare-gateway=F   also measure reads through another build of our gateway (its main.js, e.g. a copy of
                        gateway/dist from before a change) as target ours_b, in the same run
  --compare-node-options="A B"  node options for ours_b only (e.g. --max-semi-space-size=32); without
                        --compare-gateway, ours_b is this checkout's build
  --compare-env=K=V,…   extra environment for ours_b only (e.g. GATEWAY_…=…)
  --subgraphs-root=DIR  run the subgraphs built in another checkout DIR (its subgraph-*/dist), e.g. the commit
                        before a change, to compare subgraph CPU per read in alternating runs
  --workers=N           processes per target, the same for every one (ours GATEWAY_WORKERS, Hive --fork,
                        stock Apollo and the plain handler under node:cluster; default 1)
  --repetitions=N       measurements per read cell, targets alternating (default 3; medians with min–max)
  --levels=a,b          read connection levels (default 64)
  --subscribers=a,b     subscriber counts (default 1000 quick, 1000,10000 full)
  --rate=N              propagation transfer rate per second (default 200)
  --use-running         measure a running stack instead of starting one; needs
                        --gateway-url=, --wallet-url=, --balance-url= (http …/graphql);
                        optional --pids=gateway:123,wallet:456,balance:789 for memory figures
  --help`;

export function parseOptions(argv) {
  const flags = new Map();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg}\n${usage}`);
    flags.set(match[1], match[2] ?? true);
  }
  const known = [
    'quick',
    'only',
    'build',
    'profile',
    'record',
    'workers',
    'subscribers',
    'rate',
    'use-running',
    'gateway-url',
    'wallet-url',
    'balance-url',
    'pids',
    'compare-gateway',
    'compare-node-options',
    'compare-env',
    'repetitions',
    'levels',
    'subgraphs-root',
    'help',
  ];
  for (const name of flags.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}\n${usage}`);
  if (flags.has('help')) return { help: usage };
  const mode = flags.has('quick') ? 'quick' : 'full';
  const profile = { ...profiles[mode] };
  if (flags.has('subscribers')) profile.subscriberCounts = String(flags.get('subscribers')).split(',').map(Number);
  if (flags.has('rate')) profile.propagationRatePerS = Number(flags.get('rate'));
  if (flags.has('levels')) profile.readLevels = String(flags.get('levels')).split(',').map(Number);
  if (profile.readLevels.some((l) => !Number.isInteger(l) || l < 1 || l > 1024)) throw new Error('--levels must be integers 1..1024');
  if (flags.has('repetitions')) profile.readRepetitions = Number(flags.get('repetitions'));
  if (!Number.isInteger(profile.readRepetitions) || profile.readRepetitions < 1 || profile.readRepetitions > 20) throw new Error('--repetitions must be 1..20');
  const only = flags.has('only') ? String(flags.get('only')).split(',') : scenarioNames;
  for (const name of only) if (!scenarioNames.includes(name)) throw new Error(`unknown scenario ${name}`);
  const useRunning = flags.has('use-running');
  const running = useRunning ? { gateway: flags.get('gateway-url'), wallet: flags.get('wallet-url'), balance: flags.get('balance-url') } : undefined;
  if (running) {
    for (const [name, url] of Object.entries(running)) {
      if (typeof url !== 'string' || !/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//.test(url))
        throw new Error(`--use-running needs --${name}-url=http://127.0.0.1:PORT/graphql (loopback only)`);
    }
  }
  const pids = flags.has('pids')
    ? Object.fromEntries(
        String(flags.get('pids'))
          .split(',')
          .map((kv) => kv.split(':'))
          .map(([k, v]) => [k, Number(v)]),
      )
    : {};
  const workers = Number(flags.get('workers') ?? 1);
  if (!Number.isInteger(workers) || workers < 1 || workers > 8) throw new Error('--workers must be 1..8');
  // A running stack's process count is not ours to set: its gateway alone would differ from the peers.
  if (useRunning && workers !== 1)
    throw new Error('--workers cannot be combined with --use-running (the running gateway has its own worker count; the peers would not match it)');
  const compareNodeOptions = flags.has('compare-node-options') ? String(flags.get('compare-node-options')).split(/\s+/).filter(Boolean) : [];
  const compareEnv = flags.has('compare-env')
    ? Object.fromEntries(
        String(flags.get('compare-env'))
          .split(',')
          .map((kv) => {
            const at = kv.indexOf('=');
            if (at < 1) throw new Error(`--compare-env wants K=V pairs separated by commas, got ${kv}`);
            return [kv.slice(0, at), kv.slice(at + 1)];
          }),
      )
    : {};
  const compareGateway = flags.has('compare-gateway')
    ? String(flags.get('compare-gateway'))
    : compareNodeOptions.length > 0 || Object.keys(compareEnv).length > 0
      ? 'gateway/dist/main.js'
      : undefined;
  const subgraphsRoot = flags.has('subgraphs-root') ? String(flags.get('subgraphs-root')) : undefined;
  return {
    mode,
    profile,
    only,
    compareGateway,
    compareNodeOptions,
    compareEnv,
    subgraphsRoot,
    build: flags.has('build'),
    cpuProfile: flags.has('profile'),
    record: flags.has('record'),
    workers,
    running,
    pids,
  };
}
