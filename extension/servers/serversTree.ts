/**
 * The Servers view: project → server, with a status icon and colour, port, uptime and resource use
 * in the description, details in the tooltip, and a context value the inline actions key off.
 * Refreshed by store events only.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatBytes, formatDuration } from '../../shared/format';
import type { ServerInfo, ServerStatus } from '../../shared/protocol/servers';
import type { ServerStore } from './serverStore';

export type Node = { kind: 'project'; dir: string } | { kind: 'server'; server: ServerInfo };

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
  private readonly sub: vscode.Disposable;

  constructor(private readonly store: ServerStore) {
    this.sub = store.onDidChange(() => this.changed.fire(undefined));
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }

  getChildren(node?: Node): Node[] {
    const servers = this.store.list();
    if (!node) {
      const dirs = [...new Set(servers.map((s) => s.projectDir))];
      // One project: show its servers at the top level, as users expect from a single folder.
      if (dirs.length === 1) return servers.map((server) => ({ kind: 'server', server }));
      return dirs.map((dir) => ({ kind: 'project', dir }));
    }
    if (node.kind === 'project') return servers.filter((s) => s.projectDir === node.dir).map((server) => ({ kind: 'server', server }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'project') {
      const item = new vscode.TreeItem(path.basename(node.dir), vscode.TreeItemCollapsibleState.Expanded);
      item.iconPath = vscode.ThemeIcon.Folder;
      item.tooltip = node.dir;
      return item;
    }
    const s = node.server;
    const item = new vscode.TreeItem(s.name, vscode.TreeItemCollapsibleState.None);
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
