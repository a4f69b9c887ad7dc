/**
 * CPU and memory of whole process trees: each server's root plus every descendant (servers fork
 * workers, bundlers spawn children), summed, sampled with one `pidusage` call for all pids.
 */
import * as fs from 'node:fs';
import pidusage from 'pidusage';

export interface TreeUsage {
  cpuPercent: number;
  rssBytes: number;
  pids: number[];
}

/** Parent → children map of every process, from /proc: the fallback where `children` files are missing. */
function childrenByParent(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = map.get(ppid);
      if (list) list.push(Number(entry));
      else map.set(ppid, [Number(entry)]);
    } catch {
      // Exited while we looked.
    }
  }
  return map;
}

export function descendants(root: number, tree: Map<number, number[]>): number[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(tree.get(out[i]!) ?? []));
  return out;
}

/** How often the children of every thread are read; the main thread's are read every round. */
const ALL_THREADS_EVERY_MS = 30_000;

/**
 * CPU and memory of process trees, sampled round after round. Children are read from
 * `/proc/<pid>/task/<tid>/children`, which costs a few reads per process of the tree where
 * scanning all of /proc costs one per process on the machine. Any thread may fork, but Node forks
 * from its main thread; reading every thread's file (and listing the threads) each round was most
 * of an idle round's cost, so the other threads are read twice a minute. A child forked from a
 * worker thread is then counted up to half a minute late.
 */
export class TreeSampler {
  private allThreadsReadAt = -Infinity;
  /** Children forked by threads other than the main one, from the last round that read them all. */
  private fromOtherThreads = new Map<number, number[]>();

  /** `maxAgeMs`: see `sampleTrees`. */
  constructor(private readonly maxAgeMs = 15_000, private readonly now: () => number = Date.now) {}

  async sample(roots: number[]): Promise<Map<number, TreeUsage>> {
    const allThreads = this.now() - this.allThreadsReadAt >= ALL_THREADS_EVERY_MS;
    if (allThreads) {
      this.allThreadsReadAt = this.now();
      this.fromOtherThreads = new Map();
    }
    // Exited pids among the remembered children are dropped by the sampling itself.
    return usageOf(this.treesOf(roots, allThreads), this.maxAgeMs);
  }

  private treesOf(roots: number[], allThreads: boolean): Map<number, number[]> {
    const trees = new Map<number, number[]>();
    for (const root of roots) {
      const out = [root];
      const seen = new Set(out);
      for (let i = 0; i < out.length; i++) {
        const children = this.childrenOf(out[i]!, allThreads);
        if (children === undefined) {
          const all = childrenByParent();
          return new Map(roots.map((r) => [r, descendants(r, all)]));
        }
        for (const c of children) {
          if (seen.has(c)) continue;
          seen.add(c);
          out.push(c);
        }
      }
      trees.set(root, out);
    }
    return trees;
  }

  /** Children of one process; undefined where the kernel has no `children` files. */
  private childrenOf(pid: number, allThreads: boolean): number[] | undefined {
    const main = readChildren(pid, String(pid));
    if (main === 'gone') return [];
    if (main === 'unsupported') return undefined;
    if (!allThreads) return main.concat(this.fromOtherThreads.get(pid) ?? []);
    let tids: string[] = [];
    try {
      tids = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      // Exited while we looked.
    }
    const others: number[] = [];
    for (const tid of tids) {
      if (tid === String(pid)) continue;
      const list = readChildren(pid, tid);
      if (Array.isArray(list)) others.push(...list);
    }
    if (others.length) this.fromOtherThreads.set(pid, others);
    return main.concat(others);
  }
}

function readChildren(pid: number, tid: string): number[] | 'gone' | 'unsupported' {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
  } catch (err) {
    // The thread ended, or the process did; a missing file of a live process means no support.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || tid !== String(pid)) return 'gone';
    return fs.existsSync(`/proc/${pid}`) ? 'unsupported' : 'gone';
  }
  const out: number[] = [];
  for (const child of text.split(' ')) if (child.trim()) out.push(Number(child));
  return out;
}

/** Usage of each root's tree, sampled once; see `TreeSampler` for rounds. */
export function sampleTrees(roots: number[], maxAgeMs = 15_000): Promise<Map<number, TreeUsage>> {
  return new TreeSampler(maxAgeMs).sample(roots);
}

/**
 * Usage per root pid; roots that have exited are left out. pidusage keeps each pid's stat file open
 * between samples (CPU is a delta) until the entry is `maxAgeMs` old, so pass a little more than
 * the sampling interval: the files of exited processes are then closed soon after.
 */
async function usageOf(trees: Map<number, number[]>, maxAgeMs: number): Promise<Map<number, TreeUsage>> {
  const result = new Map<number, TreeUsage>();
  if (trees.size === 0) return result;
  const all = [...new Set([...trees.values()].flat())];
  let stats: Record<string, pidusage.Status | undefined>;
  try {
    stats = await pidusage(all, { maxage: maxAgeMs });
  } catch {
    // A pid vanished between listing and sampling: sample one by one, skipping the missing.
    stats = {};
    for (const pid of all) stats[pid] = await pidusage(pid, { maxage: maxAgeMs }).catch(() => undefined);
  }
  for (const [root, pids] of trees) {
    const live = pids.filter((p) => stats[p]);
    if (!stats[root]) continue;
    result.set(root, {
      cpuPercent: live.reduce((n, p) => n + (stats[p]?.cpu ?? 0), 0),
      rssBytes: live.reduce((n, p) => n + (stats[p]?.memory ?? 0), 0),
      pids: live,
    });
  }
  return result;
}
