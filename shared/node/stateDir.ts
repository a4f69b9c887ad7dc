/**
 * Where a user's Runlens state lives, and the paths inside it. The directory holds the daemon's
 * socket and server logs, so it must be private to the user (0700) and owned by them.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface StatePaths {
  home: string;
  socket: string;
  lock: string;
  lockGuard: string;
  log: string;
  state: string;
}

export interface HomeEnv {
  RUNLENS_HOME?: string;
  XDG_STATE_HOME?: string;
}

/** `RUNLENS_HOME`, else `$XDG_STATE_HOME/runlens`, else `~/.runlens`. */
export function resolveHome(env: HomeEnv = process.env, homedir = os.homedir()): string {
  if (env.RUNLENS_HOME) return path.resolve(env.RUNLENS_HOME);
  if (env.XDG_STATE_HOME) return path.join(path.resolve(env.XDG_STATE_HOME), 'runlens');
  return path.join(homedir, '.runlens');
}

/** Unix socket paths are limited to ~107 bytes; leave room for the terminating byte and margin. */
const MAX_SOCKET_PATH = 100;

export function statePaths(home: string, platform: NodeJS.Platform = process.platform): StatePaths {
  return {
    home,
    socket: socketPathFor(home, platform),
    lock: path.join(home, 'daemon.lock'),
    lockGuard: path.join(home, 'daemon.lock.guard'),
    log: path.join(home, 'daemon.log'),
    state: path.join(home, 'state.json'),
  };
}

function socketPathFor(home: string, platform: NodeJS.Platform): string {
  const digest = crypto.createHash('sha256').update(home).digest('hex').slice(0, 16);
  if (platform === 'win32') return `\\\\.\\pipe\\runlens-${digest}`;
  const inHome = path.join(home, 'daemon.sock');
  if (Buffer.byteLength(inHome) <= MAX_SOCKET_PATH) return inHome;
  // A deep home does not fit: use a private per-user directory under /tmp instead.
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return path.join('/tmp', `runlens-${uid}`, `${digest}.sock`);
}

export class StateDirError extends Error {}

/**
 * Creates `dir` with mode 0700, or checks an existing one: it must be a directory owned by us; a
 * group- or world-accessible mode is tightened rather than trusted.
 */
export function ensurePrivateDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    // EEXIST here means a file (not a directory) has the name; the check below explains.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) {
    throw new StateDirError(`${dir} exists but is not a directory; remove it or set RUNLENS_HOME elsewhere`);
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (uid !== undefined && st.uid !== uid) {
    throw new StateDirError(
      `${dir} belongs to uid ${st.uid}, not to you (uid ${uid}); set RUNLENS_HOME to a directory of your own`,
    );
  }
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}

/** Ensures the state dir and, when the socket lives elsewhere, the socket's directory. */
export function prepareStateDir(paths: StatePaths): void {
  ensurePrivateDir(paths.home);
  if (process.platform !== 'win32') ensurePrivateDir(path.dirname(paths.socket));
}
