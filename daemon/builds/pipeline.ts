/**
 * One build from start to end: prepare (read the project, choose the package manager), copy,
 * install, build, verify. Each step records its timing, command and exit codes on the build's
 * record; a step that fails throws `StepFailure` with a message that says what to do.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { BuildStep, StepRecord } from '../../shared/protocol';
import { ConfigError } from '../../shared/config/validate';
import { loadProject } from '../projects/project';
import { BuildAborted, say, StepFailure, type BuildContext } from './context';
import { readGitCommit } from './gitInfo';
import { detectPackageManager } from './packageManager';
import { snapshot } from './snapshot';
import { runBuildCommands, runInstall } from './commandSteps';
import { verifyOutputs } from './verify';

/** Runs the steps in order; throws StepFailure or BuildAborted from the step that stopped. */
export async function runPipeline(ctx: BuildContext): Promise<void> {
  await step(ctx, 'prepare', () => prepare(ctx));
  await step(ctx, 'copy', () => copy(ctx));
  await step(ctx, 'install', () => runInstall(ctx));
  await step(ctx, 'build', () => runBuildCommands(ctx));
  await step(ctx, 'verify', () => verifyOutputs(ctx));
}

/** A step body returns 'skipped' when there was nothing for it to do. */
async function step(ctx: BuildContext, name: BuildStep, body: () => Promise<void | 'skipped'>): Promise<void> {
  if (ctx.signal.aborted) throw new BuildAborted();
  const rec: StepRecord = { name, status: 'running', startedAt: Date.now() };
  ctx.record.steps.push(rec);
  ctx.record.step = name;
  ctx.log.flush();
  ctx.changed();
  try {
    const outcome = await body();
    if (ctx.signal.aborted) throw new BuildAborted();
    rec.status = outcome === 'skipped' ? 'skipped' : 'succeeded';
  } catch (err) {
    rec.status = err instanceof BuildAborted || ctx.signal.aborted ? 'cancelled' : 'failed';
    throw ctx.signal.aborted && !(err instanceof BuildAborted) ? new BuildAborted() : err;
  } finally {
    rec.endedAt = Date.now();
    say(ctx, `${rec.status === 'succeeded' ? '✓' : rec.status === 'skipped' ? '-' : '✗'} ${name} ${rec.status} in ${((rec.endedAt - rec.startedAt) / 1000).toFixed(1)}s`, name);
    ctx.log.flush();
    ctx.changed();
  }
}

async function prepare(ctx: BuildContext): Promise<void> {
  const { record } = ctx;
  try {
    ctx.project = await loadProject(record.folder);
  } catch (err) {
    if (err instanceof ConfigError) throw new StepFailure(`invalid configuration:\n${err.message}\nFix the file and build again.`);
    throw new StepFailure((err as Error).message);
  }
  const project = ctx.project;
  ctx.onProject(project);
  record.projectName = project.name;
  record.kind = project.kind === 'mastra' ? 'mastra' : 'node';
  const files = new Set(await fs.readdir(record.folder));
  ctx.packageManager = detectPackageManager(files, project.packageJson);
  const pm = ctx.packageManager;
  record.packageManager = { name: pm.name, lockfile: pm.lockfile };
  record.commit = await readGitCommit(record.folder);
  say(ctx, `project ${project.name} (${project.kind === 'mastra' ? 'Mastra' : 'Node'}) at ${record.folder}`);
  say(ctx, `build ${record.id} in ${ctx.appDir}`);
  if (record.commit) say(ctx, `source commit ${record.commit.sha.slice(0, 12)}${record.commit.ref ? ` (${record.commit.ref})` : ''}`);
  say(ctx, `package manager: ${pm.name} (${pm.source === 'lockfile' ? `found ${pm.lockfile}` : pm.source === 'packageManager' ? 'package.json packageManager field' : 'default'})`);
  if (project.packageJson && !pm.lockfile) {
    const warning = `no lockfile: installing with a plain '${pm.name} install', so dependency versions may differ from your last install; commit a lockfile for repeatable builds`;
    record.warnings.push(warning);
    say(ctx, `warning: ${warning}`);
  }
}

async function copy(ctx: BuildContext): Promise<void> {
  const started = Date.now();
  await fs.mkdir(path.dirname(ctx.appDir), { recursive: true });
  const r = await snapshot({ source: ctx.record.folder, dest: ctx.appDir, exclude: ctx.exclude });
  say(ctx, `copied ${r.files} files, ${r.dirs} folders, ${r.symlinks} symlinks in ${Date.now() - started} ms; left out ${r.skipped} entries (node_modules, .git, outputs, .gitignore)`);
  for (const w of r.warnings) {
    ctx.record.warnings.push(w);
    say(ctx, `warning: ${w}`);
  }
}
