// `npm test`: lint, type check, build, then the unit, integration, faults and e2e suites, in that order.
// Every stage runs even if an earlier suite failed, so one run shows everything that is broken.
// Ends with every suite's failures again (the output is long and often read only from its tail), then
// one line `tests: N passed, N failed` summing the mocha suites.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const stages = [
  { name: 'lint', cmd: ['npx', 'eslint', '.'] },
  { name: 'typecheck', cmd: ['npx', 'tsc', '--noEmit', '-p', '.'] },
  { name: 'build', cmd: ['node', 'esbuild.mjs'], gate: true },
  { name: 'unit', cmd: ['npx', 'mocha', '--config', 'test/unit/.mocharc.json'], suite: true },
  { name: 'integration', cmd: ['npx', 'mocha', '--config', 'test/integration/.mocharc.json'], suite: true },
  { name: 'faults', cmd: ['npx', 'mocha', '--config', 'test/faults/.mocharc.json'], suite: true },
  { name: 'e2e', cmd: ['npx', 'mocha', '--config', 'test/e2e/.mocharc.json'], suite: true },
];

function run(cmd) {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      out += d.toString();
    });
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

/** Mocha's failure section (from "N failing" on), cut to a size that stays readable in a log's tail. */
function failureReport(out) {
  const at = out.search(/^\s*\d+ failing/m);
  if (at < 0) return '';
  const text = out.slice(at).trim();
  const limit = 6000;
  return text.length > limit ? `${text.slice(0, limit)}\n… (cut here: ${text.length - limit} more characters in the stage's output above)` : text;
}

if (!existsSync('node_modules') && process.env.RUNLENS_SKIP_SETUP !== '1') {
  const setup = await run(['bash', 'scripts/setup.sh']);
  if (setup.code !== 0) process.exit(setup.code);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const broken = [];
const failures = [];
for (const stage of stages) {
  console.log(`\n=== ${stage.name}: ${stage.cmd.join(' ')}`);
  const { code, out } = await run(stage.cmd);
  if (stage.suite) {
    const count = (word) => Number(new RegExp(`(\\d+) ${word}`).exec(out)?.[1] ?? 0);
    passed += count('passing');
    failed += count('failing');
    skipped += count('pending');
    // A suite that crashed before mocha's summary still counts as a failure.
    if (code !== 0 && count('failing') === 0) failed += 1;
    const report = failureReport(out);
    if (report) failures.push(`--- ${stage.name}\n${report}`);
  }
  if (code !== 0) {
    broken.push(stage.name);
    if (stage.gate) break;
  }
}

if (failures.length) console.log(`\n=== failures again\n${failures.join('\n')}`);
console.log(`\n${broken.length ? `failed stages: ${broken.join(', ')}` : 'all stages passed'}`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(broken.length ? 1 : 0);
