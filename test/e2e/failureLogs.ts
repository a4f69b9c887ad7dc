/**
 * What every e2e suite shares around its tests: the repository's CLI against a test's state dir,
 * and, when a test fails, the logs that explain it (code-server, browser console, daemon.log).
 */
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from 'mocha';
import { REPO_ROOT, type CodeServer, type Workbench } from './codeServer';

export const REPO_CLI = path.join(REPO_ROOT, 'bin', 'runlens');

/** Runs the repository's `runlens` with `RUNLENS_HOME=home`; resolves its stdout. */
export function runlensCli(home: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    child_process.execFile(process.execPath, [REPO_CLI, ...args], { env: { ...process.env, RUNLENS_HOME: home }, timeout: 60_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout));
  });
}

/** For `afterEach`: prints the logs of a failed test; nothing when it passed. */
export function printLogsIfFailed(ctx: Context, parts: { server?: CodeServer; workbench?: Workbench; home?: string }): void {
  const test = ctx.currentTest;
  if (test?.state !== 'failed') return;
  console.log(`\n[e2e] '${test.title}' failed; logs follow`);
  if (parts.server) console.log(parts.server.logs.dump());
  if (parts.workbench?.consoleErrors.length) console.log(`--- browser console errors ---\n${parts.workbench.consoleErrors.join('\n')}`);
  const log = parts.home && path.join(parts.home, 'daemon.log');
  if (log && fs.existsSync(log)) console.log(`--- ${log} ---\n${fs.readFileSync(log, 'utf8').slice(-20_000)}`);
}

/**
 * For `after`: closes the browsers, then code-server (a live extension would start a new daemon
 * as soon as this one stops), stops the project's servers and the daemon, and removes `remove`.
 * Best effort: a suite's teardown must not hide its tests' results.
 */
export async function tearDown(parts: { workbenches: (Workbench | undefined)[]; server?: CodeServer; home: string; project?: string; remove?: string[] }): Promise<void> {
  for (const w of parts.workbenches) await w?.close().catch(() => undefined);
  await parts.server?.stop().catch(() => undefined);
  if (parts.project) await runlensCli(parts.home, ['down', '--project', parts.project]).catch(() => undefined);
  await runlensCli(parts.home, ['daemon', 'stop']).catch(() => undefined);
  for (const dir of parts.remove ?? []) fs.rmSync(dir, { recursive: true, force: true });
}
