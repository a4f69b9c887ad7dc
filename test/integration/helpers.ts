/**
 * Helpers for integration tests: temp state dirs, running the real CLI, connecting real clients to
 * the real daemon over its socket, finding daemon processes, and waiting for conditions.
 */
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { connectOnce } from '../../shared/node/launcher';
import { openConnection, sayHello } from '../../shared/node/rpcClient';
import { statePaths } from '../../shared/node/stateDir';

export const REPO = path.resolve(__dirname, '../..');
export const CLI = path.join(REPO, 'bin', 'runlens');
export const DAEMON_SCRIPT = path.join(REPO, 'dist', 'daemon.js');

export function tempHome(prefix = 'rl-it-'): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), prefix)), 'home');
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], home: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = child_process.spawn(process.execPath, [CLI, ...args], { env: { ...process.env, RUNLENS_HOME: home } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export async function cliJson<T = Record<string, unknown>>(args: string[], home: string): Promise<{ code: number; json: T }> {
  const r = await runCli([...args, '--json'], home);
  try {
    return { code: r.code, json: JSON.parse(r.stdout) as T };
  } catch {
    throw new Error(`runlens ${args.join(' ')} printed no JSON (exit ${r.code}): ${r.stdout}${r.stderr}`);
  }
}

/** Pids of daemon processes serving `home`, read from /proc command lines. */
export function daemonPids(home: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const i = argv.indexOf('--home');
      if (argv.some((a) => a.endsWith('daemon.js')) && i !== -1 && argv[i + 1] === home) pids.push(Number(entry));
    } catch {
      // The process exited while we looked.
    }
  }
  return pids;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 50);
  }
}

/** A test client: a real connection over the real socket, hello already said. */
export async function connectClient(home: string, name = 'test'): Promise<MessageConnection> {
  const socket = await connectOnce(statePaths(home).socket);
  const connection = openConnection(socket);
  const hello = await sayHello(connection, 'test', name);
  if (hello.outcome !== 'ok') throw new Error(`hello answered ${hello.outcome}`);
  return connection;
}

/** Stops every daemon of `home`, politely first; used in afterEach so no test leaks a process. */
export async function stopAll(home: string): Promise<void> {
  await runCli(['daemon', 'stop'], home);
  for (const pid of daemonPids(home)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export function readLog(home: string): string {
  try {
    return fs.readFileSync(statePaths(home).log, 'utf8');
  } catch {
    return '';
  }
}
