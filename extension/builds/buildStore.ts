/**
 * The builds of this window's workspace folders, as the daemon reports them: the kept history per
 * folder on every (re)connection, then `builds/changed` and `builds/log` notifications from one
 * subscription to all builds (a build started by a server start has no id we could subscribe to
 * beforehand). Builds of other folders are ignored. Nothing polls.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  BuildChangedNotification,
  BuildListRequest,
  BuildLogNotification,
  BuildSubscribeRequest,
  type BuildLogNotificationParams,
  type BuildRecord,
} from '../../shared/protocol/builds';
import type { DaemonClient } from '../daemonClient';
import { DisposableStore } from '../disposables';

export class BuildStore implements vscode.Disposable {
  private readonly builds = new Map<string, BuildRecord>();
  private readonly scope = new DisposableStore();
  private readonly changed = this.scope.add(new vscode.EventEmitter<BuildRecord | undefined>());
  private readonly logged = this.scope.add(new vscode.EventEmitter<BuildLogNotificationParams>());
  /** Fires with the changed build, or undefined after a full refresh. */
  readonly onDidChange = this.changed.event;
  /** Fires with each batch of new log lines of a build of these folders. */
  readonly onDidLog = this.logged.event;
  private subscriptionId: number | undefined;

  constructor(private readonly client: DaemonClient, private readonly folders: () => readonly string[]) {
    this.scope.add(client.onNotification(BuildChangedNotification, (p) => {
      if (p.subscriptionId === this.subscriptionId) this.update(p.build);
    }));
    this.scope.add(client.onNotification(BuildLogNotification, (p) => {
      if (p.subscriptionId === this.subscriptionId && this.isMine(p.buildId)) this.logged.fire(p);
    }));
    this.scope.add(client.onDidChangeState((s) => {
      if (s.kind === 'connected') void this.connect();
      else this.subscriptionId = undefined;
    }));
  }

  /** Builds of the open folders (or of `folder`), newest first. */
  list(folder?: string): BuildRecord[] {
    const dir = folder === undefined ? undefined : path.resolve(folder);
    return [...this.builds.values()]
      .filter((b) => dir === undefined || path.resolve(b.folder) === dir)
      .sort((a, b) => b.id.localeCompare(a.id));
  }

  get(id: string): BuildRecord | undefined {
    return this.builds.get(id);
  }

  /** Queued or running builds of the open folders, newest first. */
  active(): BuildRecord[] {
    return this.list().filter((b) => b.status === 'queued' || b.status === 'running');
  }

  /** Records the answer of a start request at once, before the first notification arrives. */
  add(build: BuildRecord): void {
    this.update(build);
  }

  dispose(): void {
    this.scope.dispose();
  }

  private async connect(): Promise<void> {
    try {
      // Subscribe before listing, so no change falls between the list and the first notification.
      const { subscriptionId } = await this.client.request(BuildSubscribeRequest, {});
      this.subscriptionId = subscriptionId;
      const lists = await Promise.all(this.folders().map((project) =>
        // A folder that is not a Runlens project has no builds.
        this.client.request(BuildListRequest, { project }).then((r) => r.builds, () => [] as BuildRecord[])));
      this.builds.clear();
      for (const b of lists.flat()) this.builds.set(b.id, b);
      this.changed.fire(undefined);
    } catch {
      // The connection went away meanwhile; the next one subscribes again.
    }
  }

  private update(build: BuildRecord): void {
    const dir = path.resolve(build.folder);
    if (!this.folders().some((f) => path.resolve(f) === dir)) return;
    this.builds.set(build.id, build);
    this.changed.fire(build);
  }

  private isMine(buildId: string): boolean {
    return this.builds.has(buildId);
  }
}
