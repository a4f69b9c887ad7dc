/**
 * The status bar item: the health of this window's servers (`$(pulse) 2/3 healthy`), a spinner
 * while any starts or builds, warning colour when one is unhealthy, error colour when one crashed;
 * the daemon's own state while it is not connected. The tooltip is a table with command links.
 */
import * as vscode from 'vscode';
import type { ServerInfo } from '../shared/protocol/servers';
import type { CommandId } from './commands';
import type { DaemonClient, DaemonState } from './daemonClient';
import { DisposableStore } from './disposables';
import type { ServerStore } from './servers/serverStore';
import { formatBytes, formatDuration } from '../shared/format';

export const STATUS_ITEM_ID = 'runlens.status';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly scope = new DisposableStore();

  constructor(private readonly client: DaemonClient, private readonly store: ServerStore) {
    this.item = this.scope.add(vscode.window.createStatusBarItem(STATUS_ITEM_ID, vscode.StatusBarAlignment.Left, 50));
    this.item.name = 'Runlens';
    this.scope.add(client.onDidChangeState(() => this.render()));
    this.scope.add(store.onDidChange(() => this.render()));
    this.render();
    this.item.show();
  }

  dispose(): void {
    this.scope.dispose();
  }

  private render(): void {
    const state = this.client.state;
    const servers = this.store.list();
    const view = state.kind === 'connected' && servers.length > 0 ? serversView(servers, state) : daemonView(state);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.accessibilityInformation = { label: view.label };
    this.item.command = view.command;
    this.item.backgroundColor = view.background ? new vscode.ThemeColor(view.background) : undefined;
  }
}

interface View {
  text: string;
  label: string;
  tooltip: string | vscode.MarkdownString;
  command: CommandId;
  background?: string;
}

function daemonView(state: DaemonState): View {
  switch (state.kind) {
    case 'idle':
    case 'connecting':
      return { text: '$(sync~spin) Runlens', label: 'Runlens: starting the daemon', tooltip: 'Connecting to the Runlens daemon…', command: 'runlens.showDaemonLog' };
    case 'reconnecting':
      return { text: '$(sync~spin) Runlens', label: `Runlens: reconnecting, ${state.reason}`, tooltip: `Reconnecting: ${state.reason}`, command: 'runlens.showDaemonLog' };
    case 'connected': {
      const d = state.daemon;
      return {
        text: '$(server-process) Runlens',
        label: `Runlens: daemon connected, pid ${d.pid}`,
        tooltip: `Runlens daemon ${d.version}, pid ${d.pid}\nState dir: ${d.home}\nNo servers started yet.`,
        command: 'runlens.serverActions',
      };
    }
    case 'failed':
      return {
        text: '$(error) Runlens', label: `Runlens: daemon failed, ${state.message}`,
        tooltip: `${state.message}\nClick to restart the daemon.`, command: 'runlens.restartDaemon', background: 'statusBarItem.errorBackground',
      };
  }
}

function serversView(servers: ServerInfo[], state: Extract<DaemonState, { kind: 'connected' }>): View {
  const healthy = servers.filter((s) => s.status === 'running').length;
  const busy = servers.some((s) => s.status === 'starting' || s.status === 'building' || s.status === 'stopping');
  const crashed = servers.some((s) => s.status === 'crashed');
  const unhealthy = servers.some((s) => s.status === 'unhealthy');
  const icon = busy ? '$(sync~spin)' : crashed ? '$(error)' : unhealthy ? '$(warning)' : '$(pulse)';
  const summary = `${healthy}/${servers.length} healthy`;
  return {
    text: `${icon} ${summary}`,
    label: `Runlens: ${summary}${crashed ? ', a server crashed' : unhealthy ? ', a server is unhealthy' : ''}; daemon pid ${state.daemon.pid}`,
    tooltip: tooltipTable(servers),
    command: 'runlens.serverActions',
    background: crashed ? 'statusBarItem.errorBackground' : unhealthy ? 'statusBarItem.warningBackground' : undefined,
  };
}

function link(command: CommandId, title: string, id: string): string {
  return `[${title}](command:${command}?${encodeURIComponent(JSON.stringify([id]))})`;
}

function tooltipTable(servers: ServerInfo[]): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: ['runlens.showLogs', 'runlens.restartServer', 'runlens.stopServer'] };
  md.appendMarkdown('| server | status | port | CPU | memory | uptime | |\n|---|---|---|---|---|---|---|\n');
  for (const s of servers) {
    const cells = [
      s.name, s.reason ? `${s.status} — ${s.reason.replace(/\|/g, '/')}` : s.status, s.port ? String(s.port) : '–',
      s.cpuPercent !== undefined ? `${s.cpuPercent.toFixed(0)}%` : '–', s.rssBytes !== undefined ? formatBytes(s.rssBytes) : '–',
      s.startedAt && s.pid ? formatDuration(Date.now() - s.startedAt) : '–',
      `${link('runlens.showLogs', 'Logs', s.id)} · ${link('runlens.restartServer', 'Restart', s.id)} · ${link('runlens.stopServer', 'Stop', s.id)}`,
    ];
    md.appendMarkdown(`| ${cells.join(' | ')} |\n`);
  }
  return md;
}
