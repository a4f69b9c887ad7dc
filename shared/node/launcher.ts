/**
 * Finds the user's daemon, starting it detached when absent. Used by the extension (inside its
 * language client's server options) and by the CLI, so both start the daemon the same way.
 */
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { prepareStateDir, statePaths, type StatePaths } from './stateDir';

export interface LaunchOptions {
  home: string;
  /** The daemon bundle (`dist/daemon.js`). */
  daemonScript: string;
  /** Node binary that runs the daemon; defaults to the one running us (the extension host's). */
  nodePath?: string;
  /** Written to daemon.log as the reason for the start. */
  reason?: string;
  timeoutMs?: number;
  /** Extra environment for the daemon (tests use it for knobs). */
  env?: NodeJS.ProcessEnv;
}

export interface Launched {
  socket: net.Socket;
  paths: StatePaths;
  /** Pid of the daemon we spawned, when this call had to start one. */
  spawnedPid?: number;
}

export class DaemonStartError extends Error {}

/** Connects to the socket once; rejects with the socket error (ENOENT, ECONNREFUSED, EACCES...). */
export function connectOnce(socketPath: string, timeoutMs = 2000): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`timed out connecting to ${socketPath}`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Returns a connected socket to the running daemon, or undefined when none answers. */
export async function tryConnect(socketPath: string): Promise<net.Socket | undefined> {
  try {
    return await connectOnce(socketPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ETIMEDOUT') return undefined;
    throw err;
  }
}

/**
 * V8 and C library settings for the daemon, measured with 20 servers logging 10,000 lines/s each
 * (bench/log-load.ts; docs/benchmarks.md). A young generation of 8 MB instead of V8's 16 MB per
 * semi-space: the daemon thread's heap 37 MB against 54 at the peak, no more CPU (4 MB promoted
 * more objects and grew the heap). Two malloc arenas and a fixed mmap threshold: buffers of
 * 128 KiB and more (segment reads, notification bodies) go back to the system when freed instead
 * of staying in per-thread arenas, 20–40 MB less at the peak.
 */
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=8'];
export const DAEMON_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };
/** Names of the variables above that the launcher set, so the daemon keeps them from its children. */
export const DAEMON_OWN_ENV = 'RUNLENS_DAEMON_OWN_ENV';

/**
 * The daemon's environment: the caller's, plus the malloc settings the user has not set, and the
 * names of those it added (the daemon removes them before starting servers and builds).
 */
export function daemonEnv(home: string, extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  const own = Object.keys(DAEMON_MALLOC_ENV).filter((k) => env[k] === undefined);
  for (const k of own) env[k] = DAEMON_MALLOC_ENV[k];
  // The editor's own binary is Electron on desktop; this makes it behave as plain Node.
  return { ...env, [DAEMON_OWN_ENV]: own.join(','), RUNLENS_HOME: home, ELECTRON_RUN_AS_NODE: '1' };
}

export function spawnDaemon(opts: LaunchOptions): number | undefined {
  if (!fs.existsSync(opts.daemonScript)) {
    throw new DaemonStartError(`daemon bundle not found at ${opts.daemonScript}; run 'npm run build' first`);
  }
  // RUNLENS_DAEMON_INSPECT=<port> starts the daemon under the inspector, for "Attach to Daemon".
  const inspect = process.env.RUNLENS_DAEMON_INSPECT;
  const args = [...(inspect ? [`--inspect=127.0.0.1:${inspect}`] : []), ...DAEMON_NODE_FLAGS, opts.daemonScript, '--home', opts.home];
  if (opts.reason) args.push('--reason', opts.reason);
  const child = child_process.spawn(opts.nodePath ?? process.execPath, args, {
    detached: true,
    stdio: 'ignore',
    env: daemonEnv(opts.home, opts.env),
  });
  child.unref();
  return child.pid;
}

/** Connects to the daemon, starting one if needed, and waits until it accepts connections. */
export async function ensureDaemon(opts: LaunchOptions): Promise<Launched> {
  const paths = statePaths(opts.home);
  prepareStateDir(paths);
  const existing = await tryConnect(paths.socket);
  if (existing) return { socket: existing, paths };

  const spawnedPid = spawnDaemon(opts);
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let delay = 10;
  for (;;) {
    const socket = await tryConnect(paths.socket);
    if (socket) return { socket, paths, spawnedPid };
    if (Date.now() >= deadline) {
      throw new DaemonStartError(
        `the Runlens daemon did not start within ${opts.timeoutMs ?? 10_000} ms; see ${paths.log}` +
          lastLogLines(paths.log),
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
}

function lastLogLines(logFile: string, count = 5): string {
  try {
    const lines = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n');
    return '\n' + lines.slice(-count).join('\n');
  } catch {
    return '';
  }
}
