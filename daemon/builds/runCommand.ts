/**
 * Runs one install or build command for a build: in its own process group (so cancelling kills
 * the whole tree), with output split into lines as it arrives (the same splitter as server logs:
 * partial lines joined across chunks, `\r\n` and bare `\r` handled, ANSI kept), and nothing left
 * running after.
 */
import * as fs from 'node:fs';
import { loadExeca } from './toolchain';
import { LineSplitter } from '../logs/lineSplitter';
import { killTree } from './processTree';

export type OutputStream = 'stdout' | 'stderr';

export interface RunOptions {
  /** An executable and its arguments, or a shell command line when `shell` is set. */
  file: string;
  args?: string[];
  shell?: boolean;
  cwd: string;
  /** The complete environment: nothing is inherited implicitly. */
  env: Record<string, string>;
  signal: AbortSignal;
  onLine: (stream: OutputStream, text: string) => void;
}

export interface RunResult {
  /** null when killed by a signal or never started. */
  exitCode: number | null;
  signal?: string;
  /** The command could not start (e.g. not found); the reason. */
  spawnError?: string;
  aborted: boolean;
}

export async function runCommand(opts: RunOptions): Promise<RunResult> {
  if (opts.signal.aborted) return { exitCode: null, aborted: true };
  const { execa } = await loadExeca();
  const child = execa(opts.file, opts.args ?? [], {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    shell: opts.shell ?? false,
    detached: process.platform !== 'win32',
    stdin: 'ignore',
    buffer: false,
    reject: false,
    cleanup: false,
    windowsHide: true,
  });
  const done = [pipeLines(child.stdout, 'stdout', opts.onLine), pipeLines(child.stderr, 'stderr', opts.onLine)];
  let killing: Promise<void> | undefined;
  const onAbort = (): void => {
    if (child.pid !== undefined) killing ??= killTree(child.pid);
  };
  opts.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await child;
    if (killing) await killing;
    else if (child.pid !== undefined && groupHasMembers(child.pid)) await killTree(child.pid, 500);
    // A process that left the group may still hold the pipes open; do not wait for it forever.
    await settleWithin(Promise.all(done), 2000, () => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    });
    if (result.failed && result.exitCode === undefined && !result.signal && !opts.signal.aborted) {
      return { exitCode: null, spawnError: result.originalMessage || result.shortMessage, aborted: false };
    }
    return { exitCode: result.exitCode ?? null, signal: result.signal, aborted: opts.signal.aborted };
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
  }
}

function pipeLines(
  stream: NodeJS.ReadableStream | null,
  name: OutputStream,
  onLine: (stream: OutputStream, text: string) => void,
): Promise<void> {
  if (!stream) return Promise.resolve();
  const splitter = new LineSplitter();
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      for (const line of splitter.push(chunk)) onLine(name, line.text);
    });
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      for (const line of splitter.flush()) onLine(name, line.text);
      resolve();
    };
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
  });
}

async function settleWithin(p: Promise<unknown>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, ms);
  });
  await Promise.race([p, timedOut]);
  clearTimeout(timer);
}

/** Whether a process of group `pgid` still runs after its leader exited (a backgrounded child). */
function groupHasMembers(pgid: number): boolean {
  if (process.platform !== 'linux') return false;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
    } catch {
      // Exited while we looked.
    }
  }
  return false;
}
