/**
 * Snapshot copy of a 2,000-file source tree (plus a node_modules and ignored files it must skip)
 * into a build directory. Prints seconds per copy; the target is under 0.5 s on 2 cores.
 * Run: npm run bench:builds (or npx tsx bench/snapshot-copy.ts).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { snapshot } from '../daemon/builds/snapshot';

const FILES = 2000;
const RUNS = 5;

function makeTree(root: string): void {
  const text = 'export const value = 1;\n'.repeat(80);
  for (let i = 0; i < FILES; i++) {
    const dir = path.join(root, 'src', `module${Math.floor(i / 20)}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `file${i}.ts`), text);
  }
  fs.writeFileSync(path.join(root, 'package.json'), '{"name":"bench"}');
  fs.writeFileSync(path.join(root, '.gitignore'), '*.log\ncoverage/\n');
  for (let i = 0; i < 200; i++) {
    fs.mkdirSync(path.join(root, 'node_modules', `dep${i}`), { recursive: true });
    fs.writeFileSync(path.join(root, 'node_modules', `dep${i}`, 'index.js'), text);
    fs.writeFileSync(path.join(root, `debug${i}.log`), 'x');
  }
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-bench-snap-'));
  try {
    const src = path.join(tmp, 'src-tree');
    makeTree(src);
    const times: number[] = [];
    let files = 0;
    for (let i = 0; i < RUNS; i++) {
      const started = process.hrtime.bigint();
      const r = await snapshot({ source: src, dest: path.join(tmp, `copy${i}`) });
      times.push(Number(process.hrtime.bigint() - started) / 1e9);
      files = r.files;
    }
    // The same tree with `cp -r` (which copies node_modules too) right after, for scale: this
    // file system slows down for minutes after mass deletes, so absolute figures vary between runs.
    const cpStarted = process.hrtime.bigint();
    execFileSync('cp', ['-r', src, path.join(tmp, 'cp-copy')]);
    const cpSeconds = Number(process.hrtime.bigint() - cpStarted) / 1e9;
    times.sort((a, b) => a - b);
    console.log(`snapshot copy: ${files} files copied (node_modules and ignored files skipped), ${RUNS} runs`);
    console.log(`  median ${times[Math.floor(RUNS / 2)]!.toFixed(3)} s, best ${times[0]!.toFixed(3)} s, worst ${times[RUNS - 1]!.toFixed(3)} s (target: under 0.5 s)`);
    console.log(`  for scale, cp -r of the whole tree: ${cpSeconds.toFixed(3)} s`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

void main();
