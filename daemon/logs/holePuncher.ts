/**
 * Punches the rotated head out of live log files through one long-lived helper shell, instead of
 * spawning `fallocate` from the daemon at every rotation. A spawn from the daemon copies its page
 * tables, which under a log flood span hundreds of megabytes: with 20 servers flooding, those
 * spawns were a twentieth of the daemon thread's time, in stalls of tens of milliseconds. The
 * helper forks `fallocate` itself, from a small process. It reads requests from its stdin and
 * exits when that closes, so it never outlives the daemon, even a killed one.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { punchHoleWithFallocate, type PunchHole } from './logRotation';

/** Reads "<length>\n<file>\n" requests; answers "ok" or "err <message>", one line each, in order. */
const HELPER_SCRIPT = `
while IFS= read -r len && IFS= read -r file; do
  if msg=$(fallocate --punch-hole --offset 0 --length "$len" -- "$file" 2>&1); then
    echo ok
  else
    echo "err $(printf '%s' "$msg" | tr '\\n' ' ')"
  fi
done`;

interface Pending {
  resolve(): void;
  reject(err: Error): void;
}

export class HolePuncher {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly pending: Pending[] = [];
  private answer = '';
  private disposed = false;

  /** A `PunchHole` bound to this helper. */
  readonly punch: PunchHole = (file, length) => this.request(file, length);

  dispose(): void {
    this.disposed = true;
    this.child?.stdin.end();
    this.child = undefined;
  }

  private request(file: string, length: number): Promise<void> {
    // A name the line protocol cannot carry (never one of Runlens's run dirs) takes the slow path.
    if (this.disposed || file.includes('\n')) return punchHoleWithFallocate(file, length);
    return new Promise((resolve, reject) => {
      const child = this.helper();
      this.pending.push({ resolve, reject });
      child.stdin.write(`${Math.floor(length)}\n${file}\n`);
    });
  }

  private helper(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn('sh', ['-c', HELPER_SCRIPT], { stdio: 'pipe' });
    this.child = child;
    // Neither the helper nor its pipes keep the daemon alive.
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr] as unknown as { unref?: () => void }[]) s.unref?.();
    child.stdout.setEncoding('utf8').on('data', (text: string) => this.read(text));
    child.stderr.resume();
    child.stdin.on('error', () => undefined);
    const gone = (why: string): void => {
      if (this.child === child) this.child = undefined;
      for (const p of this.pending.splice(0)) p.reject(new Error(`the hole-punching helper ${why}`));
    };
    child.once('error', (err) => gone(`failed: ${err.message}`));
    child.once('exit', (code, signal) => gone(`exited (${signal ?? `code ${code}`})`));
    return child;
  }

  private read(text: string): void {
    this.answer += text;
    for (let eol = this.answer.indexOf('\n'); eol >= 0; eol = this.answer.indexOf('\n')) {
      const line = this.answer.slice(0, eol);
      this.answer = this.answer.slice(eol + 1);
      const p = this.pending.shift();
      if (!p) continue;
      if (line === 'ok') p.resolve();
      else p.reject(new Error(line.replace(/^err /, '').trim() || 'fallocate failed'));
    }
  }
}
