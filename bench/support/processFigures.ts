/**
 * What the load benchmarks read about processes from /proc (Linux): RSS, CPU time, and the
 * leftovers of a run to kill when the daemon could not stop its servers.
 */
import * as fs from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const TICKS = 100;

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

/** User + system CPU seconds of a process, all its threads. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the command name and state.
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * SIGKILLs the pids given first (daemons), then every process whose working directory lies under `dir` (the
 * servers a run started, and their children). Returns how many it killed.
 */
export function killProcessesUnder(dir: string, first: number[] = []): number {
  // The daemons go first: a live one would restart the servers killed after it.
  let n = first.filter(kill).length;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if ((cwd === dir || cwd.startsWith(dir + '/')) && kill(Number(entry))) n++;
    } catch {
      // Gone meanwhile, or not ours to look at.
    }
  }
  return n;
}

function kill(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
