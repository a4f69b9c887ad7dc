/**
 * `runlens build [path]`: an isolated build of a project folder, its log streamed to the terminal
 * with a heading per step; exits 0 when it succeeds and 1 otherwise; Ctrl-C cancels it.
 * `runlens builds [path]` lists the kept builds; `runlens builds log|cancel <id>` reads or stops one.
 */
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { orClosed } from '../../shared/node/rpcClient';
import {
  BUILD_STEPS,
  BuildCancelRequest,
  BuildChangedNotification,
  BuildListRequest,
  BuildLogNotification,
  BuildLogsRequest,
  BuildStartRequest,
  type BuildLogLine,
  type BuildRecord,
} from '../../shared/protocol';
import { Exit, UsageError, type ParsedArgs } from './args';
import { attachOrStart } from './connect';
import { formatDuration, type Output } from './output';

export interface BuildCommandContext {
  home: string;
  args: ParsedArgs;
  out: Output;
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

export async function buildCommand(ctx: BuildCommandContext): Promise<number> {
  const folder = path.resolve(ctx.args.positionals[1] ?? ctx.args.values.get('--project') ?? process.cwd());
  const timeout = ctx.args.values.get('--timeout');
  const timeoutMs = timeout === undefined ? undefined : seconds(timeout) * 1000;
  const { connection } = await attachOrStart(ctx.home, `runlens build (cli pid ${process.pid})`);
  try {
    const final = await follow(connection, folder, timeoutMs, ctx.out);
    report(final, ctx.out);
    return final.status === 'succeeded' ? Exit.ok : Exit.failure;
  } finally {
    connection.dispose();
  }
}

/** Starts the build with `follow`, prints what arrives, resolves with the final record. */
function follow(c: MessageConnection, project: string, timeoutMs: number | undefined, out: Output): Promise<BuildRecord> {
  return new Promise<BuildRecord>((resolve, reject) => {
    let buildId: string | undefined;
    let lastStep: string | undefined;
    let lastSeq = 0;
    // Notifications can arrive before the start request's answer names the build; hold them till then.
    const early: (() => void)[] = [];
    const whenKnown = (id: string, act: () => void): void => {
      if (buildId === undefined) early.push(() => id === buildId && act());
      else if (id === buildId) act();
    };
    const onChanged = (build: BuildRecord): void => {
      if (build.step && build.step !== lastStep && build.status === 'running') {
        lastStep = build.step;
        if (!out.json) process.stdout.write(`\n▶ [${BUILD_STEPS.indexOf(build.step) + 1}/${BUILD_STEPS.length}] ${build.step}\n`);
      }
      if (FINISHED.has(build.status)) finish(build);
    };
    const onLines = (lines: BuildLogLine[], dropped?: number): void => {
      if (dropped && !out.json) process.stdout.write(`… ${dropped} lines not shown (read them with 'runlens builds log ${buildId}')\n`);
      for (const l of lines) {
        if (l.seq <= lastSeq) continue;
        lastSeq = l.seq;
        if (!out.json) printLine(l);
      }
    };
    const subs = [
      c.onNotification(BuildChangedNotification, (p) => whenKnown(p.build.id, () => onChanged(p.build))),
      c.onNotification(BuildLogNotification, (p) => whenKnown(p.buildId, () => onLines(p.lines, p.dropped))),
      c.onClose(() => reject(new Error('the connection to the daemon closed during the build; see daemon.log'))),
    ];
    let cancelling = false;
    const onSigint = (): void => {
      // A second Ctrl-C stops waiting; the daemon still finishes the cancel.
      if (cancelling || !buildId) process.exit(130);
      cancelling = true;
      if (!out.json) process.stderr.write('\nrunlens: cancelling the build (Ctrl-C again to stop waiting)…\n');
      c.sendRequest(BuildCancelRequest, { buildId }).catch(() => undefined);
    };
    process.on('SIGINT', onSigint);
    function finish(build: BuildRecord): void {
      for (const s of subs) s.dispose();
      process.off('SIGINT', onSigint);
      resolve(build);
    }
    orClosed(c, c.sendRequest(BuildStartRequest, { project, timeoutMs, follow: true })).then(({ build }) => {
      buildId = build.id;
      if (!out.json) process.stdout.write(`Runlens build ${build.id} of ${build.folder}\n`);
      for (const act of early.splice(0)) act();
    }, reject);
  });
}

function printLine(l: BuildLogLine): void {
  if (l.stream === 'system') process.stdout.write(`  ${l.text}\n`);
  else (l.stream === 'stderr' ? process.stderr : process.stdout).write(`${l.text}\n`);
}

function report(b: BuildRecord, out: Output): void {
  const took = b.startedAt && b.endedAt ? formatDuration(b.endedAt - b.startedAt) : '0s';
  if (b.status === 'succeeded') {
    out.result({ build: b }, `\n✓ build ${b.id} succeeded in ${took}\n  ${b.dir}`);
  } else if (b.status === 'cancelled') {
    out.result({ build: b }, `\n✗ build ${b.id} was cancelled`);
  } else {
    const f = b.failure;
    out.result({ build: b }, `\n✗ build ${b.id} failed at step ${f?.step ?? b.step ?? '?'}: ${f?.message ?? 'unknown error'}`);
  }
}

export async function buildsCommand(ctx: BuildCommandContext): Promise<number> {
  const [, verb, arg] = ctx.args.positionals;
  const { connection } = await attachOrStart(ctx.home, `runlens builds (cli pid ${process.pid})`);
  try {
    if (verb === 'log' || verb === 'cancel') {
      if (!arg) throw new UsageError(`'runlens builds ${verb}' needs a build id; 'runlens builds' lists them`);
      return verb === 'log' ? await printLog(connection, arg, ctx) : await cancel(connection, arg, ctx);
    }
    const all = ctx.args.flags.has('--all');
    const project = all ? undefined : path.resolve(verb ?? ctx.args.values.get('--project') ?? process.cwd());
    const { builds } = await orClosed(connection, connection.sendRequest(BuildListRequest, { project }));
    ctx.out.result({ builds }, builds.length ? table(builds) : `No builds${project ? ` of ${project}` : ''} yet; run 'runlens build'.`);
    return Exit.ok;
  } finally {
    connection.dispose();
  }
}

async function printLog(c: MessageConnection, buildId: string, ctx: BuildCommandContext): Promise<number> {
  const tail = ctx.args.values.get('--tail');
  const { lines } = await orClosed(c, c.sendRequest(BuildLogsRequest, { buildId, tail: tail === undefined ? undefined : Number(tail) }));
  if (ctx.out.json) ctx.out.result({ lines }, '');
  else for (const l of lines) printLine(l);
  return Exit.ok;
}

async function cancel(c: MessageConnection, buildId: string, ctx: BuildCommandContext): Promise<number> {
  const { build } = await orClosed(c, c.sendRequest(BuildCancelRequest, { buildId }));
  ctx.out.result({ build }, `build ${build.id}: ${build.status}`);
  return Exit.ok;
}

function table(builds: BuildRecord[]): string {
  const rows = builds.map((b) => [
    b.id,
    b.status,
    b.status === 'failed' ? `${b.failure?.step ?? b.step ?? ''}` : (b.step ?? ''),
    b.startedAt ? formatDuration((b.endedAt ?? Date.now()) - b.startedAt) : '',
    b.commit ? b.commit.sha.slice(0, 8) : '',
    b.projectName,
  ]);
  const head = ['BUILD', 'STATUS', 'STEP', 'TIME', 'COMMIT', 'PROJECT'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--timeout needs a number of seconds, got '${value}'`);
  return n;
}
