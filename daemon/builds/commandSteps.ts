/**
 * The install and build steps: find the user's toolchain, log its versions, and run the
 * commands in the isolated copy with output streamed into the build log.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MASTRA_OUTPUT } from '../../shared/config/mastra';
import { BuildAborted, say, StepFailure, type BuildContext } from './context';
import { installArgs, runScriptArgs } from './packageManager';
import { runCommand } from './runCommand';
import { commandEnv, configuredNode, envPath, isExecutable, packageManagerVersion, toolVersion, which, type Env } from './toolchain';

interface Node {
  path: string;
  source: 'runlens.json' | 'PATH';
}

export async function runInstall(ctx: BuildContext): Promise<void | 'skipped'> {
  const project = ctx.project!;
  if (!project.packageJson) {
    say(ctx, 'no package.json: nothing to install');
    return 'skipped';
  }
  const node = findNode(ctx, { beforeInstall: true });
  const env = commandEnv(ctx.baseEnv, { pathFirst: [path.dirname(node.path)], install: true, mastra: project.kind === 'mastra' });
  const pm = ctx.packageManager!;
  const pmBin = which(pm.name, envPath(env));
  if (!pmBin) {
    const why = pm.source === 'lockfile' ? `because of ${pm.lockfile}` : pm.source === 'packageManager' ? "because package.json's packageManager names it" : 'by default';
    throw new StepFailure(
      `${pm.name} is not on the PATH (this project uses ${pm.name} ${why}); install it (for example 'npm install -g ${pm.name}' or 'corepack enable'), ` +
        `make sure the Runlens daemon's PATH includes it (restart the daemon after installing), and build again`,
    );
  }
  const [nodeVersion, pmVersion] = await Promise.all([toolVersion(node.path, env, ctx.appDir), packageManagerVersion(pmBin, pm.name, env, ctx.appDir)]);
  ctx.record.packageManager = { ...ctx.record.packageManager!, version: pmVersion };
  say(ctx, `toolchain for install: node ${nodeVersion ?? '(version unknown)'} (${node.path}, from ${node.source}), ${pm.name} ${pmVersion ?? '(version unknown)'} (${pmBin})`);
  const major = pm.name === 'yarn' && pmVersion ? Number(pmVersion.split('.')[0]) : undefined;
  await runOne(ctx, { file: pmBin, args: installArgs(pm, major), display: `${pm.name} ${installArgs(pm, major).join(' ')}`, cwd: ctx.appDir, env });
}

export async function runBuildCommands(ctx: BuildContext): Promise<void | 'skipped'> {
  const project = ctx.project!;
  const node = findNode(ctx, { beforeInstall: false });
  const bin = path.join(ctx.appDir, 'node_modules', '.bin');
  const env = commandEnv(ctx.baseEnv, { pathFirst: [path.dirname(node.path), bin], install: false, mastra: project.kind === 'mastra' });
  const version = await toolVersion(node.path, env, ctx.appDir);
  if (!version) throw new StepFailure(`${node.path} did not answer 'node --version'; check that it is a working node executable`);
  ctx.record.node = { path: node.path, version, source: node.source };
  say(ctx, `toolchain for build: node ${version} (${node.path}, from ${node.source})`);
  const commands = buildCommands(ctx, env);
  if (commands.length === 0) {
    say(ctx, 'no build command (no "build" in runlens.json servers and no "build" script in package.json): nothing to build');
    return 'skipped';
  }
  for (const c of commands) await runOne(ctx, { ...c, env });
}

interface Command {
  file: string;
  args?: string[];
  shell?: boolean;
  /** How the command is shown in the log and the record. */
  display: string;
  cwd: string;
}

/** What to run: runlens.json's build commands; else `mastra build` or the package.json build script. */
function buildCommands(ctx: BuildContext, env: Env): Command[] {
  const project = ctx.project!;
  const configured = [...new Set(project.config?.servers?.map((s) => s.build).filter((b): b is string => !!b) ?? [])];
  if (configured.length) {
    return configured.map((cmd) => {
      const server = project.config!.servers!.find((s) => s.build === cmd)!;
      return { file: cmd, shell: true, display: cmd, cwd: path.join(ctx.appDir, server.cwd ?? '.') };
    });
  }
  const scripts = project.packageJson?.scripts as Record<string, unknown> | undefined;
  const script = typeof scripts?.build === 'string' ? scripts.build : undefined;
  const pmName = ctx.packageManager!.name;
  const runScript = (): Command => {
    const pmBin = which(pmName, envPath(env)) ?? pmName;
    return { file: pmBin, args: runScriptArgs('build'), display: `${pmName} run build (${script})`, cwd: ctx.appDir };
  };
  if (project.kind === 'mastra') {
    // The project's own script may pass options to mastra build; otherwise run the CLI itself.
    if (script?.includes('mastra build')) return [runScript()];
    const cli = path.join(ctx.appDir, 'node_modules', '.bin', process.platform === 'win32' ? 'mastra.cmd' : 'mastra');
    if (!fs.existsSync(cli)) {
      throw new StepFailure(`the mastra CLI is not in node_modules/.bin after the install; add 'mastra' to devDependencies so Runlens can run 'mastra build' (it writes ${MASTRA_OUTPUT})`);
    }
    return [{ file: cli, args: ['build'], display: 'mastra build', cwd: ctx.appDir }];
  }
  return script ? [runScript()] : [];
}

/** The node for a step: runlens.json's (inside the copy when relative), else the PATH's. */
function findNode(ctx: BuildContext, opts: { beforeInstall: boolean }): Node {
  const setting = ctx.project!.config?.node;
  const configured = configuredNode(setting, ctx.appDir);
  if (configured) {
    if (isExecutable(configured)) return { path: configured, source: 'runlens.json' };
    // A relative node may come from the project's own dependencies, which the install brings.
    if (opts.beforeInstall && !path.isAbsolute(setting!)) {
      say(ctx, `runlens.json's node (${setting}) is not there before the install; installing with the node on the PATH`);
    } else {
      throw new StepFailure(`runlens.json's "node" (${setting}) is not an executable at ${configured}; fix the path (absolute, or relative to the project folder) and build again`);
    }
  }
  const onPath = which('node', envPath(commandEnv(ctx.baseEnv, { pathFirst: [], install: false, mastra: false })));
  if (!onPath) {
    throw new StepFailure(`node is not on the PATH of the Runlens daemon; install Node.js, or set "node" in runlens.json to the node executable to use, and build again`);
  }
  return { path: onPath, source: 'PATH' };
}

async function runOne(ctx: BuildContext, c: Command & { env: Env }): Promise<void> {
  const stepName = ctx.record.step!;
  const rec = ctx.record.steps[ctx.record.steps.length - 1]!;
  rec.command = rec.command ? `${rec.command} && ${c.display}` : c.display;
  rec.exitCodes ??= [];
  ctx.changed();
  say(ctx, `$ ${c.display}${c.cwd !== ctx.appDir ? `   (in ${path.relative(ctx.appDir, c.cwd)})` : ''}`);
  const result = await runCommand({
    file: c.file,
    args: c.args,
    shell: c.shell,
    cwd: c.cwd,
    env: c.env,
    signal: ctx.signal,
    onLine: (stream, text) => ctx.log.write(stream, stepName, text),
  });
  rec.exitCodes.push(result.exitCode);
  if (result.aborted) throw new BuildAborted();
  if (result.spawnError) throw new StepFailure(`could not run '${c.display}': ${result.spawnError}`);
  if (result.exitCode !== 0) {
    const how = result.exitCode === null ? `was killed by ${result.signal ?? 'a signal'}` : `exited with code ${result.exitCode}`;
    throw new StepFailure(`'${c.display}' ${how}; see the output above, fix the cause, and build again`);
  }
}
