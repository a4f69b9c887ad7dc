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

/** Newlines in `file`, counted without decoding it. */
export function lineCount(file: string): number {
  const buf = fs.readFileSync(file);
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Lines of a run's stream across its live file (rotated heads are holes of zeros) and its rotated
 * copies. A rotation running while this reads can make one count wrong: wait for the expected one.
 */
export function streamLineCount(runDir: string, stream: 'stdout' | 'stderr'): number {
  const files = fs.readdirSync(runDir).filter((f) => new RegExp(`^${stream}\\.log(\\.\\d+)?$`).test(f));
  return files.reduce((n, f) => n + lineCount(path.join(runDir, f)), 0);
}

/** The folder of a server's current run, where its stdout.log and stderr.log are. */
export function runDirOf(home: string, s: ServerInfo): string {
  assert.ok(s.runId, `server ${s.name} has no run`);
  return path.join(home, 'projects', s.projectId, 'runs', s.runId);
}
