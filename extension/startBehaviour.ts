/**
 * The two start-time settings: `runlens.servers.autoStart` starts the workspace's stopped servers
 * once, when the window first connects to the daemon; `runlens.logs.openOnStart` opens a server's
 * log channel whenever it begins a run (from a command, auto-start, the CLI or another window).
 */
import * as vscode from 'vscode';
import { ServersStartRequest, type ServerInfo, type ServerStatus } from '../shared/protocol/servers';
import type { RunlensSettings } from './config';
import type { DaemonClient } from './daemonClient';
import { DisposableStore } from './disposables';
import type { LogChannels } from './logs/logChannels';
import type { ServerStore } from './servers/serverStore';

const IDLE: ReadonlySet<ServerStatus> = new Set(['stopped', 'crashed']);
const STARTING: ReadonlySet<ServerStatus> = new Set(['building', 'starting']);

export class StartBehaviour implements vscode.Disposable {
  private readonly scope = new DisposableStore();
  /** The last status seen per server, to notice the step from idle to starting. */
  private readonly seen = new Map<string, ServerStatus>();
  private autoStarted = false;

  constructor(
    private readonly client: DaemonClient,
    private readonly store: ServerStore,
    private readonly channels: LogChannels,
    private readonly settings: () => RunlensSettings,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.scope.add(store.onDidChange((server) => {
      if (server) this.onServer(server);
      else this.onRefresh();
    }));
  }

  dispose(): void {
    this.scope.dispose();
  }

  private onServer(s: ServerInfo): void {
    const before = this.seen.get(s.id);
    this.seen.set(s.id, s.status);
    const began = STARTING.has(s.status) && (before === undefined || IDLE.has(before));
    if (began && this.settings().openLogsOnStart) this.channels.show(s.id, s.name);
  }

  /** A full list arrived (first connection or reconnect): remember states, auto-start once. */
  private onRefresh(): void {
    const servers = this.store.list();
    for (const s of servers) this.seen.set(s.id, s.status);
    if (this.autoStarted || servers.length === 0) return;
    this.autoStarted = true;
    if (!this.settings().autoStartServers) return;
    const projects = new Set(servers.filter((s) => IDLE.has(s.status)).map((s) => s.projectDir));
    for (const project of projects) {
      this.log.info(`runlens.servers.autoStart: starting the servers of ${project}`);
      this.client.request(ServersStartRequest, { project }).catch((err: unknown) => {
        void vscode.window.showErrorMessage(`Runlens: could not start the servers of ${project}: ${(err as Error).message}`);
      });
    }
  }
}
