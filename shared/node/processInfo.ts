/**
 * Process identity that survives pid reuse: a pid plus the process's start time. A lock or state
 * file naming pid 1234 means nothing once 1234 has exited and been recycled by an unrelated program.
 */
import * as fs from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (Linux `/proc/<pid>/stat` field 22); absent elsewhere. */
  startTime?: number;
}

/** Every pid in /proc (Linux); empty elsewhere. */
export function allPids(): number[] {
  try {
    return fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number);
  } catch {
    return [];
  }
}

/** Fields 3.. of `/proc/<pid>/stat`, or undefined off Linux or when the process is gone. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

export function processStartTime(pid: number): number | undefined {
  const value = Number(procStat(pid)?.[19]);
  return Number.isFinite(value) ? value : undefined;
}

/** A zombie has exited; only its parent has not collected it yet. */
function isZombie(pid: number): boolean {
  return procStat(pid)?.[0] === 'Z';
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the pid exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function currentIdentity(): ProcessIdentity {
  return { pid: process.pid, startTime: processStartTime(process.pid) };
}

/** True when the process named by `id` is still the same process that recorded it. */
export function identityAlive(id: ProcessIdentity): boolean {
  if (!pidAlive(id.pid) || isZombie(id.pid)) return false;
  if (id.startTime === undefined) return true;
  const now = processStartTime(id.pid);
  return now === undefined || now === id.startTime;
}

/** Polls until the process is gone; resolves false on timeout. */
export async function waitForExit(id: ProcessIdentity, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  while (identityAlive(id)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 50);
  }
  return true;
}

/** The environment a process was started with (`/proc/<pid>/environ`); undefined if unreadable. */
export function processEnvironment(pid: number): Record<string, string> | undefined {
  try {
    const env: Record<string, string> = {};
    for (const entry of fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return env;
  } catch {
    return undefined;
  }
}
