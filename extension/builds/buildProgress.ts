/**
 * A progress notification for every build of this window's folders while it is queued or running,
 * whoever started it (the Build command, a server start that needs a build first, the CLI). It
 * names the current step and its number; Cancel asks the daemon to cancel the build. When a build
 * fails, the user is told why, with a button to its log.
 */
import * as vscode from 'vscode';
import { BUILD_STEPS, BuildCancelRequest, type BuildRecord } from '../../shared/protocol/builds';
import type { DaemonClient } from '../daemonClient';
import type { BuildStore } from './buildStore';

const ACTIVE = new Set(['queued', 'running']);

export class BuildProgress implements vscode.Disposable {
  /** Open notifications by build id: `report` gets the build's updates, `close` ends the notification. */
  private readonly shown = new Map<string, { report: (b: BuildRecord) => void; close: () => void }>();
  private readonly sub: vscode.Disposable;

  constructor(private readonly client: DaemonClient, store: BuildStore) {
    this.sub = store.onDidChange((build) => {
      for (const b of build ? [build] : store.active()) this.update(b);
    });
  }

  dispose(): void {
    this.sub.dispose();
    for (const { close } of [...this.shown.values()]) close();
  }

  private update(build: BuildRecord): void {
    const open = this.shown.get(build.id);
    if (open) return open.report(build);
    if (ACTIVE.has(build.status)) this.open(build);
  }

  private open(first: BuildRecord): void {
    const options: vscode.ProgressOptions = {
      location: vscode.ProgressLocation.Notification,
      title: `Runlens: building ${first.projectName}`,
      cancellable: true,
    };
    void vscode.window.withProgress(options, (progress, token) => new Promise<void>((resolve) => {
      let lastStep = -1;
      const close = (): void => {
        cancel.dispose();
        this.shown.delete(first.id);
        resolve();
      };
      const cancel = token.onCancellationRequested(() => {
        progress.report({ message: 'cancelling…' });
        this.client.request(BuildCancelRequest, { buildId: first.id }).catch((err: unknown) => {
          void vscode.window.showErrorMessage(`Runlens: could not cancel the build: ${(err as Error).message}`);
        });
      });
      const report = (b: BuildRecord): void => {
        if (ACTIVE.has(b.status)) {
          const step = b.step ? BUILD_STEPS.indexOf(b.step) : -1;
          // The bar fills one fifth per step; a step is reported once, when it begins.
          const increment = step > lastStep ? ((step - Math.max(lastStep, 0)) * 100) / BUILD_STEPS.length : undefined;
          if (step > lastStep) lastStep = step;
          progress.report({ message: describeStep(b), increment });
          return;
        }
        close();
        if (b.status === 'failed') this.announceFailure(b);
      };
      this.shown.set(first.id, { report, close });
      report(first);
    }));
  }

  private announceFailure(b: BuildRecord): void {
    const why = b.failure ? `${b.failure.step} failed: ${b.failure.message}` : 'failed';
    void vscode.window.showErrorMessage(`Runlens: build of ${b.projectName} ${why}`, 'Show Build Log').then((pick) => {
      if (pick) void vscode.commands.executeCommand('runlens.showBuildLog', b.id);
    });
  }
}

/** "install (3/5)", or "queued" while waiting for a slot. */
export function describeStep(b: Pick<BuildRecord, 'status' | 'step'>): string {
  if (b.status === 'queued' || !b.step) return 'queued';
  return `${b.step} (${BUILD_STEPS.indexOf(b.step) + 1}/${BUILD_STEPS.length})`;
}
