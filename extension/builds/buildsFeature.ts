/**
 * The builds side of the extension in one piece: the store of this window's builds, the progress
 * notifications, one log channel per build, and the handlers of the build commands.
 */
import type * as vscode from 'vscode';
import type { DaemonClient } from '../daemonClient';
import { DisposableStore } from '../disposables';
import type { ServerStore } from '../servers/serverStore';
import { buildCommandHandlers } from './buildCommands';
import { BuildLogChannels } from './buildLogChannels';
import { BuildProgress } from './buildProgress';
import { BuildStore } from './buildStore';

export class BuildsFeature implements vscode.Disposable {
  private readonly scope = new DisposableStore();
  readonly store: BuildStore;
  readonly handlers: ReturnType<typeof buildCommandHandlers>;

  constructor(client: DaemonClient, servers: ServerStore, folders: () => readonly string[]) {
    this.store = this.scope.add(new BuildStore(client, folders));
    this.scope.add(new BuildProgress(client, this.store));
    const buildLogs = this.scope.add(new BuildLogChannels(client, this.store));
    this.handlers = buildCommandHandlers({ client, builds: this.store, servers, buildLogs, folders });
  }

  dispose(): void {
    this.scope.dispose();
  }
}
