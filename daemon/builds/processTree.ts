/**
 * Stopping a build's whole process tree. Install and build commands start children of their own
 * (npm → sh → node → esbuild …); killing only the direct child would leave them running. Steps
 * are spawned detached, so each command leads its own process group; the group is signalled, and
 * so is every descendant found through /proc, in case one started a group of its own.
 */
import * as fs from 'node:fs';
import { loadExeca } from './toolchain';
import { allPids, identityAlive, processStartTime, type ProcessIdentity } from '../../shared/node/processInfo';

/** Children of each pid, read from /proc (Linux); empty elsewhere. */
function childrenByParent(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const pid of allPids()) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = map.get(ppid) ?? [];
      list.push(pid);
      map.set(ppid, list);
    } catch {
      // Exited while we looked.
    }
  }
  return map;
}

export function descendants(pid: number): number[] {
  const children = childrenByParent();
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) {
    for (const child of children.get(stack.pop()!) ?? []) {
      out.push(child);
      stack.push(child);
    }
  }
  return out;
}

/**
 * Processes whose working directory is inside `dir` (Linux; none elsewhere). A build's commands
 * run in its copy, so these are what a build left running when the daemon that ran it died.
 */
export function processesInside(dir: string): ProcessIdentity[] {
  const found: ProcessIdentity[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === dir || cwd.startsWith(dir + '/')) found.push({ pid, startTime: processStartTime(pid) });
    } catch {
      // Exited while we looked, or not ours to read.
    }
  }
  return found;
}

/** SIGKILLs leftovers of a dead build (nobody waits on their output) and waits until they are gone. */
export async function killLeftovers(dir: string, timeoutMs = 2000): Promise<number> {
  const left = processesInside(dir).filter((id) => identityAlive(id));
  if (left.length === 0) return 0;
  const tree = new Map(left.map((id) => [id.pid, id]));
  const kill = (): void => {
    for (const id of tree.values()) if (identityAlive(id)) signal(id.pid, 'SIGKILL');
  };
  kill();
  await allGone(tree, timeoutMs, kill);
  return left.length;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone, or never ours.
  }
}

/**
 * Signals the tree rooted at `pid` (a process group leader) with SIGTERM, then SIGKILL after
 * `graceMs`; resolves once every process of the tree is gone or `graceMs` twice has passed.
 */
export async function killTree(pid: number, graceMs = 2000): Promise<void> {
  if (process.platform === 'win32') {
    const { execa } = await loadExeca();
    await execa('taskkill', ['/pid', String(pid), '/T', '/F'], { reject: false });
    return;
  }
  const tree = new Map<number, ProcessIdentity>();
  const collect = (): void => {
    for (const p of [pid, ...descendants(pid)]) if (!tree.has(p)) tree.set(p, { pid: p, startTime: processStartTime(p) });
  };
  const kill = (sig: NodeJS.Signals): void => {
    collect();
    signal(-pid, sig);
    for (const p of tree.keys()) signal(p, sig);
  };
  kill('SIGTERM');
  if (await allGone(tree, graceMs, () => kill('SIGTERM'))) return;
  kill('SIGKILL');
  await allGone(tree, graceMs, () => kill('SIGKILL'));
}

/** Polls until no process of `tree` lives; `again` re-signals, catching children forked meanwhile. */
async function allGone(tree: Map<number, ProcessIdentity>, timeoutMs: number, again: () => void): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    if ([...tree.values()].every((id) => !identityAlive(id))) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 50);
    again();
  }
}
