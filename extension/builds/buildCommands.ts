/**
 * Handlers of the build commands: Build, Cancel Build, Start From Build… (run a server from an
 * earlier successful build: a rollback) and Show Build Log. Each takes its target from the tree
 * item or link that invoked it, or asks with a quick pick when more than one could apply.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatDuration } from '../../shared/format';
import { BuildCancelRequest, BuildStartRequest, type BuildRecord } from '../../shared/protocol/builds';
import { ServersRestartRequest, ServersStartRequest, type ServerInfo } from '../../shared/protocol/servers';
import type { CommandHandlers } from '../commands';
import type { DaemonClient } from '../daemonClient';
import { pickServer } from '../servers/serverCommands';
import type { ServerStore } from '../servers/serverStore';
import type { BuildLogChannels } from './buildLogChannels';
import type { BuildStore } from './buildStore';

export interface BuildCommandDeps {
  client: DaemonClient;
  builds: BuildStore;
  servers: ServerStore;
  buildLogs: BuildLogChannels;
  folders: () => readonly string[];
}

type BuildHandlers = Pick<CommandHandlers, 'runlens.build' | 'runlens.cancelBuild' | 'runlens.startFromBuild' | 'runlens.showBuildLog'>;

export function buildCommandHandlers(deps: BuildCommandDeps): BuildHandlers {
  const { client, builds } = deps;
  return {
    'runlens.build': async (arg) => {
      const project = await pickProject(deps, arg);
      if (!project) return;
      // The progress notification comes from the build's own notifications (BuildProgress).
      const { build } = await client.request(BuildStartRequest, { project });
      builds.add(build);
    },
    'runlens.cancelBuild': async (arg) => {
      const build = argBuild(builds, arg) ?? (await pickBuild(builds.active(), { title: 'Cancel Build', none: 'No build is running.' }));
      if (build) await client.request(BuildCancelRequest, { buildId: build.id });
    },
    'runlens.startFromBuild': async (arg) => {
      const fromBuild = argBuild(builds, arg);
      // A build item in the tree sits under a server: that is the one to start.
      const underServer = arg && typeof arg === 'object' && 'serverId' in arg ? (arg as { serverId: string }).serverId : undefined;
      const server = await pickServer(deps.servers, underServer ?? (fromBuild ? undefined : arg), 'Start From Build', (s) => !fromBuild || samePath(s.projectDir, fromBuild.folder));
      if (!server) return;
      const done = builds.list(server.projectDir).filter((b) => b.status === 'succeeded');
      const none = `No successful build of ${path.basename(server.projectDir)} is kept; run 'Runlens: Build' first.`;
      // Always ask, even with one build: the user should see which build the server will run.
      const build = fromBuild ?? (await pickBuild(done, { title: `Start ${server.name} From Build`, none, alwaysAsk: true }));
      if (build) await startFrom(client, server, build);
    },
    'runlens.showBuildLog': async (arg) => {
      const build = argBuild(builds, arg) ?? (await pickBuild(builds.list(), { title: 'Show Build Log', none: "No builds yet; run 'Runlens: Build'." }));
      if (build) await deps.buildLogs.show(build);
    },
  };
}

async function startFrom(client: DaemonClient, server: ServerInfo, build: BuildRecord): Promise<void> {
  const live = server.status !== 'stopped' && server.status !== 'crashed';
  const request = live ? ServersRestartRequest : ServersStartRequest;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Runlens: starting ${server.name} from build ${build.id}…` },
    () => client.request(request, { project: server.projectDir, server: server.name, buildId: build.id }),
  );
}

/** Accepts a build id (notification buttons), a tree item holding a build, or nothing. */
function argBuild(store: BuildStore, arg: unknown): BuildRecord | undefined {
  if (typeof arg === 'string') return store.get(arg);
  if (arg && typeof arg === 'object' && 'build' in arg) return store.get((arg as { build: BuildRecord }).build.id);
  return undefined;
}

interface PickBuildOptions {
  title: string;
  /** Said when there is no candidate. */
  none: string;
  /** Ask even when there is one candidate. */
  alwaysAsk?: boolean;
}

/** One of `candidates` (newest first): the only one, or the user's pick. */
async function pickBuild(candidates: BuildRecord[], { title, none, alwaysAsk = false }: PickBuildOptions): Promise<BuildRecord | undefined> {
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(`Runlens: ${none}`);
    return undefined;
  }
  if (candidates.length === 1 && !alwaysAsk) return candidates[0];
  const items = candidates.map((b) => ({ label: b.id, description: describeBuild(b), detail: buildDetail(b), build: b }));
  const pick = await vscode.window.showQuickPick(items, {
    title: `Runlens: ${title}`,
    placeHolder: 'Which build? (newest first)',
    matchOnDescription: true,
  });
  return pick?.build;
}

/** "succeeded · 2m ago · main@1a2b3c4" */
export function describeBuild(b: BuildRecord, now = Date.now()): string {
  const parts: string[] = [b.status];
  const at = b.endedAt ?? b.startedAt ?? b.queuedAt;
  parts.push(`${formatDuration(now - at)} ago`);
  if (b.commit) parts.push(`${b.commit.ref ? `${b.commit.ref}@` : ''}${b.commit.sha.slice(0, 7)}`);
  return parts.join(' · ');
}

function buildDetail(b: BuildRecord): string {
  const took = b.startedAt && b.endedAt ? `took ${formatDuration(b.endedAt - b.startedAt)}` : undefined;
  const failure = b.failure ? `${b.failure.step} failed: ${b.failure.message}` : undefined;
  return [b.projectName, took, failure].filter(Boolean).join(' · ');
}

/** The project folder to build: from the invoking item, the only project, or a quick pick. */
async function pickProject(deps: BuildCommandDeps, arg: unknown): Promise<string | undefined> {
  if (arg && typeof arg === 'object' && 'dir' in arg) return (arg as { dir: string }).dir;
  if (arg && typeof arg === 'object' && 'server' in arg) return (arg as { server: ServerInfo }).server.projectDir;
  const projects = [...new Set(deps.servers.list().map((s) => s.projectDir))];
  const candidates = projects.length ? projects : [...deps.folders()];
  if (candidates.length === 0) {
    void vscode.window.showWarningMessage('Runlens: open a folder with a runlens.json or a Mastra project first.');
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  const pick = await vscode.window.showQuickPick(candidates.map((dir) => ({ label: path.basename(dir), detail: dir, dir })), {
    title: 'Runlens: Build',
    placeHolder: 'Which project?',
  });
  return pick?.dir;
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}
