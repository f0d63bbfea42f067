// Peak resident memory per named process tree, per scenario (Linux /proc).
//
// At a scenario's start the kernel's peak counter (VmHWM) is reset through /proc/<pid>/clear_refs
// (writing "5"; root or the owner may do it); the tree is also sampled every sampleMs, because a
// cluster's workers are separate processes and VmHWM is per process.
import { readFileSync, writeFileSync } from 'node:fs';

const kbOf = (status, field) => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
};

/** pid and all its descendants (bounded depth), via /proc/<pid>/task/<tid>/children. */
export function processTree(pid, depthMax = 4) {
  const pids = [pid];
  if (depthMax === 0) return pids;
  let children;
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return pids;
  }
  for (const child of children) pids.push(...processTree(child, depthMax - 1));
  return pids;
}

function readKb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rssKb: kbOf(status, 'VmRSS'), hwmKb: kbOf(status, 'VmHWM') };
  } catch {
    return { rssKb: 0, hwmKb: 0 };
  }
}

/** processes: Map name → pid (a getter, so restarted peers are followed). */
export function createRssSampler(processes, { sampleMs = 200 } = {}) {
  let peaksKb = new Map();
  let timer;
  const sample = () => {
    for (const [name, pid] of processes()) {
      if (!pid) continue;
      const tree = processTree(pid);
      let sumKb = 0;
      let hwmSumKb = 0;
      for (const p of tree) {
        const { rssKb, hwmKb } = readKb(p);
        sumKb += rssKb;
        hwmSumKb += hwmKb;
      }
      // A single process: its VmHWM is the exact peak since the reset. A tree: the sampled sum.
      const peakKb = tree.length === 1 ? Math.max(sumKb, hwmSumKb) : sumKb;
      peaksKb.set(name, Math.max(peaksKb.get(name) ?? 0, peakKb));
    }
  };
  return {
    /** Resets the peaks (and the kernel's VmHWM) and starts sampling. */
    begin() {
      peaksKb = new Map();
      for (const [, pid] of processes()) {
        if (!pid) continue;
        for (const p of processTree(pid)) {
          try {
            writeFileSync(`/proc/${p}/clear_refs`, '5');
          } catch {
            /* not permitted: sampling alone still bounds the peak from below */
          }
        }
      }
      sample();
      clearInterval(timer);
      timer = setInterval(sample, sampleMs);
      timer.unref();
    },
    /** Stops sampling; returns { name: peakMb }. */
    end() {
      clearInterval(timer);
      sample();
      return Object.fromEntries([...peaksKb].map(([name, kb]) => [name, Math.round(kb / 1024)]));
    },
    /** Current RSS of one tree in MB (no peak tracking). */
    currentMb(name) {
      const pid = new Map(processes()).get(name);
      if (!pid) return null;
      return Math.round(processTree(pid).reduce((sum, p) => sum + readKb(p).rssKb, 0) / 1024);
    },
  };
}

/** CPU time (user + system) of a process tree so far, in ms (clock ticks of 10 ms on Linux). */
export function cpuMsOf(pid) {
  if (!pid) return null;
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      /* exited */
    }
  }
  return ticks * 10;
}
