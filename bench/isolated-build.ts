/**
 * Isolated build (copy, fresh install, build, verify through the build service) against an
 * in-place build (the same install and build commands run in the project folder itself), both
 * with a warm package cache, in the same run. Prints both wall times and their ratio; the target
 * is a ratio of at most 1.3.
 * Run: npm run bench:builds, or npx tsx bench/isolated-build.ts [example] (default otel-node).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BuildService } from '../daemon/builds/service';

const REPO = path.resolve(__dirname, '..');
const example = process.argv[2] ?? 'otel-node';
const RUNS = Number(process.env.BENCH_RUNS) || 2;
const quiet = { info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };

function freshCopy(into: string): string {
  const dest = path.join(into, example);
  fs.rmSync(dest, { recursive: true, force: true });
  const skip = new Set(['node_modules', 'dist', '.mastra']);
  fs.cpSync(path.join(REPO, 'examples', example), dest, { recursive: true, filter: (s) => !skip.has(path.basename(s)) });
  return dest;
}

/** What the old in-place build did: install and build inside the project folder. */
function inPlace(dir: string): number {
  const env = { ...process.env, MASTRA_TELEMETRY_DISABLED: '1', npm_config_prefer_offline: 'true' };
  const started = Date.now();
  execFileSync('npm', ['ci', '--include=dev', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, env, stdio: 'ignore' });
  execFileSync('npm', ['run', 'build'], { cwd: dir, env, stdio: 'ignore' });
  return (Date.now() - started) / 1000;
}

async function isolated(service: BuildService, dir: string): Promise<number> {
  const started = Date.now();
  const queued = await service.start(dir);
  await service.idle();
  const b = service.get(queued.id);
  if (b.status !== 'succeeded') throw new Error(`isolated build failed: ${b.failure?.message}`);
  const steps = b.steps.map((st) => `${st.name} ${(((st.endedAt ?? 0) - st.startedAt) / 1000).toFixed(2)}`).join(', ');
  console.log(`    isolated steps (s): ${steps}`);
  return (Date.now() - started) / 1000;
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-bench-build-'));
  const service = await BuildService.create({ home: path.join(tmp, 'home'), log: quiet, keep: 1 });
  try {
    console.log(`isolated vs in-place build of examples/${example}, warm cache, ${RUNS} run(s) each`);
    inPlace(freshCopy(tmp)); // warms the package cache
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      a.push(inPlace(freshCopy(tmp)));
      b.push(await isolated(service, freshCopy(tmp)));
    }
    const best = (xs: number[]): number => Math.min(...xs);
    console.log(`  in-place: ${a.map((x) => x.toFixed(2)).join(', ')} s (best ${best(a).toFixed(2)} s)`);
    console.log(`  isolated: ${b.map((x) => x.toFixed(2)).join(', ')} s (best ${best(b).toFixed(2)} s)`);
    console.log(`  ratio isolated / in-place (best of each): ${(best(b) / best(a)).toFixed(2)} (target: at most 1.3)`);
  } finally {
    await service.stop();
    await service.idle();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

void main();
