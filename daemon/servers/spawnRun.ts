/**
 * Spawning one run of a server. stdout and stderr are opened here as append-only files and handed
 * to the child as its own file descriptors, so its output reaches disk even while the daemon is
 * down; the child gets its own process group, so stopping it reaches what it forks. Plain
 * `child_process.spawn` is used on purpose: execa's conveniences (piping, buffering, cleanup on
 * exit) are all things a server that must outlive the daemon has to switch off.
 */
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCommandString } from 'execa';
import type { ServerSpec } from './spec';

export interface ExitStatus {
  code: number | null;
  signal: string | null;
  /** Set when the program could not be started at all (not found, not executable). */
  spawnError?: string;
}

export interface SpawnedRun {
  pid: number;
  /** Resolves when the child exits (only for children of this daemon). */
  exited: Promise<ExitStatus>;
}

const SHELL_SYNTAX = /[|&;<>()$`\\"'*?[\]#~=%]/;

export function commandLine(command: string): { file: string; args: string[]; shell: boolean } {
  if (SHELL_SYNTAX.test(command)) return { file: command, args: [], shell: true };
  const [file, ...args] = parseCommandString(command.trim());
  if (!file) throw new Error('the start command is empty; set "start" in runlens.json');
  return { file, args, shell: false };
}

export async function spawnRun(spec: ServerSpec, workDir: string, runDir: string, env: Record<string, string>): Promise<SpawnedRun> {
  fs.mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const out = fs.openSync(path.join(runDir, 'stdout.log'), 'a', 0o600);
  const err = fs.openSync(path.join(runDir, 'stderr.log'), 'a', 0o600);
  const cwd = path.resolve(workDir, spec.cwd);
  try {
    const { file, args, shell } = commandLine(spec.command);
    const child = child_process.spawn(file, args, { cwd, env, shell, detached: true, stdio: ['ignore', out, err] });
    const exited = new Promise<ExitStatus>((resolve) => {
      child.once('error', (e) => resolve({ code: null, signal: null, spawnError: e.message }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    if (child.pid === undefined) {
      const status = await exited;
      throw new Error(`could not start '${spec.command}' in ${cwd}: ${status.spawnError ?? 'unknown error'}; is the program installed and on PATH?`);
    }
    child.unref();
    return { pid: child.pid, exited };
  } finally {
    // The child has its own copies; ours would only keep the files open.
    fs.closeSync(out);
    fs.closeSync(err);
  }
}
