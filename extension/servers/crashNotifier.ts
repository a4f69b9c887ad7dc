/**
 * Tells the user when a server crashes or turns unhealthy, once per episode: the next notice for
 * that server comes only after it was healthy (or stopped) again.
 */
import * as vscode from 'vscode';
import type { ServerInfo } from '../../shared/protocol/servers';
import type { ServerStore } from './serverStore';

export class CrashNotifier implements vscode.Disposable {
  private readonly inEpisode = new Set<string>();
  private readonly sub: vscode.Disposable;

  constructor(store: ServerStore) {
    this.sub = store.onDidChange((server) => {
      if (server) this.check(server);
    });
  }

  dispose(): void {
    this.sub.dispose();
  }

  private check(s: ServerInfo): void {
    const bad = s.status === 'crashed' || s.status === 'unhealthy';
    if (!bad) {
      if (s.status === 'running' || s.status === 'stopped') this.inEpisode.delete(s.id);
      return;
    }
    if (this.inEpisode.has(s.id)) return;
    this.inEpisode.add(s.id);
    const what = s.status === 'crashed' ? 'crashed' : 'is unhealthy';
    const text = `Runlens: ${s.name} ${what}${s.reason ? `: ${s.reason}` : ''}`;
    const show = s.status === 'crashed' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    void show(text, 'Show Logs', 'Restart').then((pick) => {
      if (pick === 'Show Logs') void vscode.commands.executeCommand('runlens.showLogs', s.id);
      if (pick === 'Restart') void vscode.commands.executeCommand('runlens.restartServer', s.id);
    });
  }
}
