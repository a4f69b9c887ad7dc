/**
 * The servers of this window's workspace folders, as the daemon reports them: a full list on every
 * (re)connection, then one `servers/didChange` notification per change. Nothing polls.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ServerDidChangeNotification, ServersListRequest, type ServerInfo } from '../../shared/protocol/servers';
import type { DaemonClient } from '../daemonClient';
import { DisposableStore } from '../disposables';

export class ServerStore implements vscode.Disposable {
  private readonly servers = new Map<string, ServerInfo>();
  private readonly scope = new DisposableStore();
  private readonly changed = this.scope.add(new vscode.EventEmitter<ServerInfo | undefined>());
  /** Fires with the changed server, or undefined after a full refresh. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly client: DaemonClient, private readonly folders: () => readonly string[]) {
    this.scope.add(client.onNotification(ServerDidChangeNotification, ({ server }) => this.update(server)));
    this.scope.add(client.onDidChangeState((s) => {
      if (s.kind === 'connected') void this.refresh();
    }));
  }

  /** Servers of the open folders, by project then name. */
  list(): ServerInfo[] {
    return [...this.servers.values()].sort((a, b) => a.projectDir.localeCompare(b.projectDir) || a.name.localeCompare(b.name));
  }

  get(id: string): ServerInfo | undefined {
    return this.servers.get(id);
  }

  /** Every server of the open folders, configured ones that never ran included. */
  async refresh(): Promise<void> {
    const lists = await Promise.all(this.folders().map((project) =>
      // A folder that is not a Runlens project, or whose runlens.json is broken, lists nothing.
      this.client.request(ServersListRequest, { project }).then((r) => r.servers, () => [] as ServerInfo[])));
    this.servers.clear();
    for (const s of lists.flat()) if (this.mine(s)) this.servers.set(s.id, s);
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.scope.dispose();
  }

  private update(server: ServerInfo): void {
    if (!this.mine(server)) return;
    this.servers.set(server.id, server);
    this.changed.fire(server);
  }

  private mine(server: ServerInfo): boolean {
    const dir = path.resolve(server.projectDir);
    return this.folders().some((f) => path.resolve(f) === dir);
  }
}
