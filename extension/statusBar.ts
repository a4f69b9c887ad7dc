/**
 * The status bar item. Until server health arrives it shows the daemon's state: connecting,
 * connected (with its pid in the tooltip and accessible label), reconnecting, or failed.
 */
import * as vscode from 'vscode';
import type { DaemonClient, DaemonState } from './daemonClient';
import type { CommandId } from './commands';

export const STATUS_ITEM_ID = 'runlens.status';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly sub: vscode.Disposable;

  constructor(client: DaemonClient) {
    this.item = vscode.window.createStatusBarItem(STATUS_ITEM_ID, vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Runlens';
    this.render(client.state);
    this.sub = client.onDidChangeState((s) => this.render(s));
    this.item.show();
  }

  dispose(): void {
    this.sub.dispose();
    this.item.dispose();
  }

  private render(state: DaemonState): void {
    const { text, label, tooltip, command, error } = describe(state);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label };
    this.item.command = command satisfies CommandId;
    this.item.backgroundColor = error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }
}

interface View {
  text: string;
  label: string;
  tooltip: string;
  command: CommandId;
  error: boolean;
}

function describe(state: DaemonState): View {
  switch (state.kind) {
    case 'idle':
    case 'connecting':
      return view('$(sync~spin) Runlens', 'Runlens: starting the daemon', 'Connecting to the Runlens daemon…');
    case 'reconnecting':
      return view('$(sync~spin) Runlens', `Runlens: reconnecting, ${state.reason}`, `Reconnecting: ${state.reason}`);
    case 'connected': {
      const d = state.daemon;
      return view(
        '$(server-process) Runlens',
        `Runlens: daemon connected, pid ${d.pid}`,
        `Runlens daemon ${d.version}, pid ${d.pid}\nState dir: ${d.home}\nClick to show the daemon log.`,
      );
    }
    case 'failed':
      return {
        ...view('$(error) Runlens', `Runlens: daemon failed, ${state.message}`, `${state.message}\nClick to restart the daemon.`),
        command: 'runlens.restartDaemon',
        error: true,
      };
  }
}

function view(text: string, label: string, tooltip: string): View {
  return { text, label, tooltip, command: 'runlens.showDaemonLog', error: false };
}
