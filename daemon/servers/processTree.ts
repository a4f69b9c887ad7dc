/**
 * Process groups. Each server runs in its own group (spawned detached), so stopping it reaches the
 * children it forked too. Linux: members are found by the group id in /proc/<pid>/stat.
 */
import * as fs from 'node:fs';

/** Pids (not zombies) whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) out.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return out;
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is already empty.
  }
}

/** Resolves true once no process of the group is left, false at the deadline. */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (groupMembers(pgid).length === 0) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** SIGTERM to the group, a grace period, then SIGKILL; resolves once every member is gone. */
export async function stopGroup(pgid: number, graceMs: number): Promise<'terminated' | 'killed'> {
  signalGroup(pgid, 'SIGTERM');
  if (await waitGroupGone(pgid, graceMs)) return 'terminated';
  signalGroup(pgid, 'SIGKILL');
  if (!(await waitGroupGone(pgid, 5_000))) throw new Error(`processes of group ${pgid} survived SIGKILL: ${groupMembers(pgid).join(', ')}`);
  return 'killed';
}
