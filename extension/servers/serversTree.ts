/**
 * The Servers view: project → server → its latest builds and runs, with a status icon and colour, port, uptime and resource use
 * in the description, details in the tooltip, and a context value the inline actions key off.
 * Refreshed by store events only.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatBytes, formatDuration } from '../../shared/format';
import type { BuildRecord, BuildStatus } from '../../shared/protocol/builds';
import type { RunInfo, ServerInfo, ServerStatus } from '../../shared/protocol/servers';
import type { BuildStore } from '../builds/buildStore';
import { describeBuild } from '../builds/buildCommands';
import { RUNS_SHOWN, runItem, type RunsOf } from './serverRuns';
import type { ServerStore } from './serverStore';

export type Node =
  | { kind: 'project'; dir: string }
  | { kind: 'server'; server: ServerInfo }
  | { kind: 'build'; build: BuildRecord; serverId: string }
  | { kind: 'run'; run: RunInfo; current: boolean };

/** Builds listed under each server: the latest few of its project, for rollback and their logs. */
const BUILDS_SHOWN = 3;

const BUILD_ICONS: Record<BuildStatus, [string, string | undefined]> = {
  queued: ['watch', undefined],
  running: ['sync~spin', undefined],
  succeeded: ['package', 'testing.iconPassed'],
  failed: ['error', 'errorForeground'],
  cancelled: ['circle-slash', 'disabledForeground'],
};

const ICONS: Record<ServerStatus, [string, string | undefined]> = {
  running: ['pass-filled', 'testing.iconPassed'],
  starting: ['sync~spin', undefined],
  building: ['tools', 'charts.blue'],
  unhealthy: ['warning', 'list.warningForeground'],
  stopping: ['loading~spin', undefined],
  stopped: ['circle-large-outline', 'disabledForeground'],
  crashed: ['error', 'errorForeground'],
};

export class ServersTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subs: vscode.Disposable[];

  constructor(private readonly store: ServerStore, private readonly builds: BuildStore, private readonly runsOf: RunsOf) {
    this.subs = [store.onDidChange(() => this.changed.fire(undefined)), builds.onDidChange(() => this.changed.fire(undefined))];
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.changed.dispose();
  }

  async getChildren(node?: Node): Promise<Node[]> {
    const servers = this.store.list();
    if (!node) {
      const dirs = [...new Set(servers.map((s) => s.projectDir))];
      // One project: show its servers at the top level, as users expect from a single folder.
      if (dirs.length === 1) return servers.map((server) => ({ kind: 'server', server }));
      return dirs.map((dir) => ({ kind: 'project', dir }));
    }
    if (node.kind === 'project') return servers.filter((s) => s.projectDir === node.dir).map((server) => ({ kind: 'server', server }));
    if (node.kind === 'server') {
      const s = node.server;
      const builds: Node[] = this.latestBuilds(s).map((build) => ({ kind: 'build', build, serverId: s.id }));
      // The tree stays useful without runs: a daemon that cannot list them still shows the builds.
      const runs = await this.runsOf(s.id, RUNS_SHOWN).catch(() => []);
      return [...builds, ...runs.map((run): Node => ({ kind: 'run', run, current: run.runId === s.runId && s.pid !== undefined }))];
    }
    return [];
  }

  private latestBuilds(s: ServerInfo): BuildRecord[] {
    return this.builds.list(s.projectDir).slice(0, BUILDS_SHOWN);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'project') {
      const item = new vscode.TreeItem(path.basename(node.dir), vscode.TreeItemCollapsibleState.Expanded);
      item.iconPath = vscode.ThemeIcon.Folder;
      item.tooltip = node.dir;
      return item;
    }
    if (node.kind === 'build') return buildItem(node.build, node.serverId);
    if (node.kind === 'run') return runItem(node.run, node.current);
    const s = node.server;
    const hasChildren = this.latestBuilds(s).length > 0 || s.runId !== undefined || s.lastExit !== undefined;
    const item = new vscode.TreeItem(s.name, hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    const [icon, color] = ICONS[s.status];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.description = describe(s);
    item.tooltip = tooltip(s);
    item.contextValue = `server.${s.status}${s.url ? '.url' : ''}`;
    item.id = s.id;
    item.command = { command: 'runlens.showLogs', title: 'Show Logs', arguments: [s.id] };
    item.accessibilityInformation = { label: `${s.name}, ${s.status}${s.port ? `, port ${s.port}` : ''}` };
    return item;
  }
}

function buildItem(b: BuildRecord, serverId: string): vscode.TreeItem {
  const item = new vscode.TreeItem(`build ${b.id}`, vscode.TreeItemCollapsibleState.None);
  const [icon, color] = BUILD_ICONS[b.status];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.description = describeBuild(b);
  item.tooltip = b.failure ? `${b.failure.step} failed: ${b.failure.message}` : `${b.status}; click for its log`;
  item.contextValue = `build.${b.status}`;
  // The same build shows under every server of its project: the id keeps tree items apart.
  item.id = `${serverId}/${b.id}`;
  item.command = { command: 'runlens.showBuildLog', title: 'Show Build Log', arguments: [b.id] };
  return item;
}

function describe(s: ServerInfo): string {
  const parts: string[] = [s.status];
  if (s.port) parts.push(`:${s.port}`);
  if (s.startedAt && s.pid) parts.push(formatDuration(Date.now() - s.startedAt));
  if (s.cpuPercent !== undefined) parts.push(`${s.cpuPercent.toFixed(0)}%`);
  if (s.rssBytes !== undefined) parts.push(formatBytes(s.rssBytes));
  return parts.join(' · ');
}

function tooltip(s: ServerInfo): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${s.name}** — ${s.status}\n\n`);
  if (s.reason) md.appendMarkdown(`${s.reason}\n\n`);
  const rows: [string, string | undefined][] = [
    ['URL', s.url], ['pid', s.pid?.toString()], ['run', s.runId], ['build', s.buildId],
    ['restarts', String(s.restartCount)],
    ['last exit', s.lastExit ? (s.lastExit.signal ?? `code ${s.lastExit.code ?? '?'}`) : undefined],
    ['project', s.projectDir],
  ];
  for (const [k, v] of rows) if (v) md.appendMarkdown(`${k}: \`${v}\`  \n`);
  return md;
}
