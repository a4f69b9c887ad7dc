/**
 * Helpers for tests that supervise real servers: a temp copy of a fixture project, the daemon's
 * server list over a connection, and counting the lines of a run's log file.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { orClosed } from '../../shared/node/rpcClient';
import { ServersListRequest, type ServerInfo } from '../../shared/protocol/servers';
import { readRotationState, rotationStateFile } from '../../daemon/logs/logRotation';
import { REPO, tempHome } from './helpers';

/** A temp copy of `test/fixtures/<name>` (default: the servers fixture), beside a fresh state dir. */
export function copyFixture(name = 'servers', prefix = 'rl-srv-'): string {
  const dir = path.join(path.dirname(tempHome(prefix)), 'project');
  fs.cpSync(path.join(REPO, 'test/fixtures', name), dir, { recursive: true });
  return dir;
}

export async function listServers(c: MessageConnection): Promise<ServerInfo[]> {
  return (await orClosed(c, c.sendRequest(ServersListRequest, {}))).servers;
}

export async function serverNamed(c: MessageConnection, name: string): Promise<ServerInfo> {
  const s = (await listServers(c)).find((x) => x.name === name);
  assert.ok(s, `no server ${name}`);
  return s;
}

/** Newlines in `file` from byte `from` on, counted without decoding it. */
export function lineCount(file: string, from = 0): number {
  const buf = fs.readFileSync(file).subarray(from);
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Lines of a run's stream: the live file past its rotated head, and the rotated copies its rotation
 * note names. Counting by the note rather than by the files present is what makes a count taken
 * during a rotation right: between a copy's rename and the punching of the head its lines are in
 * both places on disk, and the note says which one holds them. A rotation that finishes while this
 * counts changes the note (or renames a copy away), and the count is taken again.
 */
export function streamLineCount(runDir: string, stream: 'stdout' | 'stderr'): number {
  const live = path.join(runDir, `${stream}.log`);
  const noteFile = rotationStateFile(live);
  const note = (): string => (fs.existsSync(noteFile) ? fs.readFileSync(noteFile, 'utf8') : '');
  for (;;) {
    const before = note();
    const state = readRotationState(live);
    let n: number;
    try {
      n = lineCount(live, state.holeEnd);
      for (const copy of state.files) n += lineCount(path.join(runDir, copy.name));
    } catch (err) {
      // A copy renamed away by a rotation running now: the note is about to change.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    if (note() === before) return n;
  }
}

/** The folder of a server's current run, where its stdout.log and stderr.log are. */
export function runDirOf(home: string, s: ServerInfo): string {
  assert.ok(s.runId, `server ${s.name} has no run`);
  return path.join(home, 'projects', s.projectId, 'runs', s.runId);
}
