/**
 * The commit a project folder is at, read from the repository's files (no `git` binary needed):
 * HEAD, loose refs, packed refs, and worktrees whose `.git` is a file pointing elsewhere.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { SourceCommit } from '../../shared/protocol';

export async function readGitCommit(folder: string): Promise<SourceCommit | undefined> {
  const gitDir = await findGitDir(path.resolve(folder));
  if (!gitDir) return undefined;
  const head = (await read(path.join(gitDir, 'HEAD')))?.trim();
  if (!head) return undefined;
  if (/^[0-9a-f]{40,64}$/.test(head)) return { sha: head };
  const ref = /^ref: (.+)$/.exec(head)?.[1];
  if (!ref) return undefined;
  // A linked worktree keeps HEAD to itself and shares refs through `commondir`.
  const common = (await read(path.join(gitDir, 'commondir')))?.trim();
  const refDirs = common ? [gitDir, path.resolve(gitDir, common)] : [gitDir];
  for (const dir of refDirs) {
    const sha = (await read(path.join(dir, ref)))?.trim();
    if (sha && /^[0-9a-f]{40,64}$/.test(sha)) return { sha, ref: shortRef(ref) };
    const packed = await read(path.join(dir, 'packed-refs'));
    const line = packed?.split('\n').find((l) => l.endsWith(` ${ref}`));
    if (line) return { sha: line.split(' ')[0]!, ref: shortRef(ref) };
  }
  // A new repository without commits has a branch name and no sha.
  return undefined;
}

async function findGitDir(start: string): Promise<string | undefined> {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, '.git');
    const st = await fs.stat(candidate).catch(() => undefined);
    if (st?.isDirectory()) return candidate;
    if (st?.isFile()) {
      const target = /^gitdir: (.+)$/m.exec((await read(candidate)) ?? '')?.[1]?.trim();
      if (target) return path.resolve(dir, target);
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

function shortRef(ref: string): string {
  return ref.replace(/^refs\/heads\//, '');
}

async function read(file: string): Promise<string | undefined> {
  return fs.readFile(file, 'utf8').catch(() => undefined);
}
