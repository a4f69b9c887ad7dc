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

/**
 * Children of one process from `/proc/<pid>/task/<tid>/children` (one file per thread: any thread
 * may fork). Costs a few reads per process of the tree, where scanning all of /proc costs one per
 * process on the machine, every interval; undefined where the kernel has no such files.
 */
function childrenOf(pid: number): number[] | undefined {
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tasks) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && tid === String(pid)) return undefined;
      continue; // The thread ended while we looked.
    }
    for (const child of text.split(' ')) if (child.trim()) out.push(Number(child));
  }
  return out;
}

function treesOf(roots: number[]): Map<number, number[]> {
  const trees = new Map<number, number[]>();
  for (const root of roots) {
    const out = [root];
    for (let i = 0; i < out.length; i++) {
      const children = childrenOf(out[i]!);
      if (children === undefined) {
        const all = childrenByParent();
        return new Map(roots.map((r) => [r, descendants(r, all)]));
      }
      out.push(...children);
    }
    trees.set(root, out);
  }
  return trees;
}

/**
 * Usage per root pid; roots that have exited are left out. pidusage keeps each pid's stat file open
 * between samples (CPU is a delta) until the entry is `maxAgeMs` old, so pass a little more than
 * the sampling interval: the files of exited processes are then closed soon after.
 */
export async function sampleTrees(roots: number[], maxAgeMs = 15_000): Promise<Map<number, TreeUsage>> {
  const result = new Map<number, TreeUsage>();
  if (roots.length === 0) return result;
  const trees = treesOf(roots);
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
