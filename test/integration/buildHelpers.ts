/**
 * Helpers for build tests: temp copies of the examples, small generated projects, a hash of a
 * whole tree (to prove a build wrote nothing into it), processes found through /proc, and
 * following a build to its end over a real connection.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { BuildChangedNotification, BuildGetRequest, type BuildRecord } from '../../shared/protocol';
import { REPO, waitFor } from './helpers';

const COPY_SKIP = new Set(['node_modules', 'dist', '.mastra']);

/** A temp copy of `examples/<name>` as a fresh clone would have it (no installs or outputs). */
export function copyExample(name: string, into = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-ex-'))): string {
  const dest = path.join(into, name);
  fs.cpSync(path.join(REPO, 'examples', name), dest, { recursive: true, filter: (src) => !COPY_SKIP.has(path.basename(src)) });
  return dest;
}

/** A project made of `files` (path → text) in a new temp folder. */
export function makeProject(files: Record<string, string>): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-proj-')), 'project');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** package.json plus a matching lockfile without dependencies, so `npm ci` is quick. */
export function npmProject(pkg: Record<string, unknown>, extra: Record<string, string> = {}): string {
  const full = { name: 'fixture', version: '1.0.0', private: true, ...pkg };
  const lock = { name: 'fixture', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'fixture', version: '1.0.0' } } };
  return makeProject({ 'package.json': JSON.stringify(full, null, 2), 'package-lock.json': JSON.stringify(lock, null, 2), ...extra });
}

/** Hash of every path, type, mode, file content and link target under `root`. */
export function hashTree(root: string): string {
  const h = crypto.createHash('sha256');
  const walk = (rel: string): void => {
    const entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const r = path.join(rel, e.name);
      const full = path.join(root, r);
      const st = fs.lstatSync(full);
      h.update(`${r}\0${st.mode}\0`);
      if (e.isSymbolicLink()) h.update(fs.readlinkSync(full));
      else if (e.isDirectory()) walk(r);
      else h.update(fs.readFileSync(full));
    }
  };
  walk('');
  return h.digest('hex');
}

/** Live processes (not zombies) whose working directory or command line is inside `dir`. */
export function processesIn(dir: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(dir + '/') || cmd.includes(dir)) found.push({ pid: Number(entry), cmd });
    } catch {
      // Exited while we looked, or not ours to read.
    }
  }
  return found;
}

const FINISHED = ['succeeded', 'failed', 'cancelled'];

/** Resolves with the build's final record; `changed` notifications wake it, `get` confirms. */
export async function waitForBuild(c: MessageConnection, buildId: string, timeoutMs: number): Promise<BuildRecord> {
  let latest: BuildRecord | undefined;
  const sub = c.onNotification(BuildChangedNotification, (p) => {
    if (p.build.id === buildId) latest = p.build;
  });
  try {
    return await waitFor(`build ${buildId} to finish`, async () => {
      if (latest && FINISHED.includes(latest.status)) return latest;
      const { build } = await c.sendRequest(BuildGetRequest, { buildId });
      return FINISHED.includes(build.status) ? build : undefined;
    }, timeoutMs);
  } finally {
    sub.dispose();
  }
}
