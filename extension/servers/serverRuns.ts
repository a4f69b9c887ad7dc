/**
 * Runs of a server in the Servers view and the Show Run Log command. Runs come from the daemon's
 * run records (ServersRunsRequest), fetched when the tree shows a server's children, which it
 * does after a `servers/didChange`: no polling.
 */
import * as vscode from 'vscode';
import { formatDuration } from '../../shared/format';
import { ServersRunsRequest, type RunInfo } from '../../shared/protocol/servers';
import type { CommandHandlers } from '../commands';
import type { DaemonClient } from '../daemonClient';
import { pickServer } from './serverCommands';
import type { ServerStore } from './serverStore';

/** Runs listed under each server in the tree. */
export const RUNS_SHOWN = 3;

export type RunsOf = (serverId: string, limit: number) => Promise<RunInfo[]>;

export function runsFromDaemon(client: DaemonClient): RunsOf {
  return async (serverId, limit) => (await client.request(ServersRunsRequest, { serverId, limit })).runs;
}

export function describeRun(r: RunInfo, now = Date.now()): string {
  const started = new Date(r.startedAt).toLocaleTimeString();
  if (r.endedAt === undefined) return `${started} · running or ended unseen · pid ${r.pid} · :${r.port}`;
  return `${started} · ${r.outcome ?? 'ended'} after ${formatDuration(r.endedAt - r.startedAt)}${now - r.endedAt < 60_000 ? ' · just now' : ''}`;
}

export function runItem(r: RunInfo, current: boolean): vscode.TreeItem {
  const item = new vscode.TreeItem(`run ${r.runId}`, vscode.TreeItemCollapsibleState.None);
  const failed = r.exit !== undefined && (r.exit.signal !== null || r.exit.code !== 0);
  const [icon, color] = current ? ['play-circle', 'testing.iconPassed'] : failed ? ['error', 'errorForeground'] : ['history', undefined];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.description = current ? `current · pid ${r.pid} · :${r.port}` : describeRun(r);
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**run ${r.runId}**${r.outcome ? ` — ${r.outcome}` : ''}\n\n`);
  for (const [k, v] of [['build', r.buildId], ['pid', String(r.pid)], ['port', String(r.port)], ['started', new Date(r.startedAt).toLocaleString()], ['log', r.stdoutFile]]) {
    if (v) md.appendMarkdown(`${k}: \`${v}\`  \n`);
  }
  item.tooltip = md;
  item.contextValue = 'run';
  item.id = `${r.serverId}/run/${r.runId}`;
  item.command = { command: 'runlens.showRunLog', title: 'Show Run Log', arguments: [{ run: r }] };
  item.accessibilityInformation = { label: `run ${r.runId}, ${current ? 'current' : (r.outcome ?? 'ended')}` };
  return item;
}

/** Opens a run's stdout file as it is on disk (stderr beside it when it has anything). */
async function openRunLog(r: RunInfo): Promise<void> {
  await vscode.window.showTextDocument(vscode.Uri.file(r.stdoutFile), { preview: true });
  try {
    const stderr = await vscode.workspace.fs.stat(vscode.Uri.file(r.stderrFile));
    if (stderr.size > 0) await vscode.window.showTextDocument(vscode.Uri.file(r.stderrFile), { preview: false, viewColumn: vscode.ViewColumn.Beside });
  } catch {
    // No stderr file: the run wrote nothing there.
  }
}

export function runCommandHandlers(store: ServerStore, runsOf: RunsOf): Pick<CommandHandlers, 'runlens.showRunLog'> {
  return {
    'runlens.showRunLog': async (arg) => {
      if (arg && typeof arg === 'object' && 'run' in arg) return openRunLog((arg as { run: RunInfo }).run);
      const s = await pickServer(store, arg, 'Show Run Log');
      if (!s) return;
      const runs = await runsOf(s.id, 20);
      if (runs.length === 0) return void vscode.window.showInformationMessage(`Runlens: ${s.name} has not run yet.`);
      const pick = await vscode.window.showQuickPick(
        runs.map((run) => ({ label: `run ${run.runId}`, description: run.runId === s.runId ? 'current' : describeRun(run), run })),
        { title: `Runlens: Runs of ${s.name}`, placeHolder: 'Which run?' },
      );
      if (pick) await openRunLog(pick.run);
    },
  };
}
