/**
 * Copies a project folder into a build directory: skips dependency, VCS and output folders and
 * what `.gitignore` files ignore (the repository's, from its root down), keeps symlinks as
 * symlinks when they point inside the project and never follows one out of it. Reads the source
 * only; everything is written under `dest`.
 */
import * as fs from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import { IgnoreMatcher, parseGitignore } from './gitignore';

/** Never copied, at any depth: installs and outputs are recreated by the build. */
export const SKIP_NAMES: readonly string[] = ['node_modules', '.git', 'dist', '.next', '.turbo', '.mastra'];

export interface SnapshotOptions {
  source: string;
  dest: string;
  /** Absolute paths never copied, e.g. the state directory when it lives inside the project. */
  exclude?: readonly string[];
  /** How many files are copied at once. */
  parallel?: number;
}

export interface SnapshotResult {
  files: number;
  dirs: number;
  symlinks: number;
  /** Entries left out by the skip list or `.gitignore`. */
  skipped: number;
  warnings: string[];
}

interface Walk {
  root: string;
  /** Path of `root` relative to the matcher's root (the git root), '' when they are the same. */
  prefix: string;
  dest: string;
  matcher: IgnoreMatcher;
  exclude: Set<string>;
  result: SnapshotResult;
  limit: <T>(task: () => Promise<T>) => Promise<T>;
}

export async function snapshot(opts: SnapshotOptions): Promise<SnapshotResult> {
  const root = await fs.realpath(opts.source);
  const result: SnapshotResult = { files: 0, dirs: 0, symlinks: 0, skipped: 0, warnings: [] };
  const { matcher, prefix } = await ancestorRules(root);
  await fs.mkdir(opts.dest, { recursive: true });
  const walk: Walk = {
    root,
    prefix,
    dest: opts.dest,
    matcher,
    exclude: new Set((opts.exclude ?? []).map((p) => path.resolve(p))),
    result,
    limit: limiter(opts.parallel ?? 32),
  };
  await copyDir(walk, '');
  return result;
}

/** Rules of `.gitignore` files between the enclosing git repository's root and `root`. */
async function ancestorRules(root: string): Promise<{ matcher: IgnoreMatcher; prefix: string }> {
  const matcher = new IgnoreMatcher();
  let gitRoot: string | undefined;
  for (let dir = root; ; dir = path.dirname(dir)) {
    if (await exists(path.join(dir, '.git'))) {
      gitRoot = dir;
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  if (!gitRoot) return { matcher, prefix: '' };
  const prefix = toPosix(path.relative(gitRoot, root));
  const exclude = await readText(path.join(gitRoot, '.git', 'info', 'exclude'));
  if (exclude) matcher.add(parseGitignore(exclude, ''));
  const parts = prefix ? prefix.split('/') : [];
  for (let i = 0; i < parts.length; i++) {
    const base = parts.slice(0, i).join('/');
    const text = await readText(path.join(gitRoot, base, '.gitignore'));
    if (text) matcher.add(parseGitignore(text, base));
  }
  return { matcher, prefix };
}

async function copyDir(w: Walk, rel: string): Promise<void> {
  const srcDir = path.join(w.root, rel);
  const entries = await fs.readdir(srcDir, { withFileTypes: true });
  if (entries.some((e) => e.name === '.gitignore' && e.isFile())) {
    const text = await readText(path.join(srcDir, '.gitignore'));
    if (text) w.matcher.add(parseGitignore(text, join(w.prefix, rel)));
  }
  const tasks: Promise<void>[] = [];
  for (const entry of entries) {
    const childRel = rel ? `${rel}/${entry.name}` : entry.name;
    const src = path.join(w.root, childRel);
    const isDir = entry.isDirectory();
    if (SKIP_NAMES.includes(entry.name) || w.exclude.has(src) || w.matcher.ignores(join(w.prefix, childRel), isDir)) {
      w.result.skipped++;
      continue;
    }
    const dest = path.join(w.dest, childRel);
    if (isDir) {
      await fs.mkdir(dest);
      w.result.dirs++;
      tasks.push(copyDir(w, childRel));
    } else if (entry.isFile()) {
      // FICLONE shares blocks on copy-on-write file systems and falls back to a copy elsewhere.
      tasks.push(w.limit(() => fs.copyFile(src, dest, fsConstants.COPYFILE_FICLONE)).then(() => void w.result.files++));
    } else if (entry.isSymbolicLink()) {
      tasks.push(copyLink(w, src, dest, childRel));
    }
    // Sockets, FIFOs and devices are not source.
  }
  await Promise.all(tasks);
}

/**
 * Recreates a link that stays inside the project as a relative link, so the copy points inside the
 * copy (an absolute link would point back into the user's folder); leaves out links that leave it.
 */
async function copyLink(w: Walk, src: string, dest: string, rel: string): Promise<void> {
  const target = await fs.readlink(src);
  const lexical = path.resolve(path.dirname(src), target);
  const real = await fs.realpath(src).catch(() => undefined);
  const inside = (p: string): boolean => p === w.root || p.startsWith(w.root + path.sep);
  if (!inside(lexical) || (real !== undefined && !inside(real))) {
    w.result.skipped++;
    w.result.warnings.push(`left out symlink ${rel} -> ${target}: it points outside the project folder`);
    return;
  }
  await fs.symlink(path.relative(path.dirname(src), lexical) || '.', dest);
  w.result.symlinks++;
}

function limiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

function join(a: string, b: string): string {
  return a && b ? `${a}/${b}` : a || b;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}

async function readText(file: string): Promise<string | undefined> {
  return fs.readFile(file, 'utf8').catch(() => undefined);
}
