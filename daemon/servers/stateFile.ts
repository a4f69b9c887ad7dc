/**
 * `state.json`: the running servers, so a daemon started after a crash or an upgrade can adopt them.
 * Written atomically (temp file, fsync, rename) so a crash mid-write leaves the previous version.
 */
import * as fs from 'node:fs';
import type { SavedServer } from './managedServer';

export interface DaemonState {
  version: 1;
  servers: SavedServer[];
  /** Ports handed out, kept so a restarted daemon does not give a live server's port away. */
  savedAt: number;
}

export function readState(file: string): DaemonState | undefined {
  try {
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as DaemonState;
    return state.version === 1 && Array.isArray(state.servers) ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Serialises the state; equal text means nothing changed and nothing needs writing. */
export function stateText(servers: SavedServer[]): string {
  return JSON.stringify({ version: 1, servers } satisfies Omit<DaemonState, 'savedAt'>);
}

/** `durable` fsyncs before the rename, for changes a power loss must not undo (a server started or stopped). */
export function writeState(file: string, servers: SavedServer[], durable = true): void {
  const state: DaemonState = { version: 1, servers, savedAt: Date.now() };
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(state));
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
