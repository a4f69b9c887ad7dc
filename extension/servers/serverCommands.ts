/**
 * Handlers of the server commands. A command gets its server from the tree item or link that
 * invoked it, or asks with a quick pick (status and port in each item) when several could apply.
 */
import * as vscode from 'vscode';
import {
  ServersRestartRequest,
  ServersStartRequest,
  ServersStopRequest,
  type ServerInfo,
} from '../../shared/protocol/servers';
import type { CommandHandlers, CommandId } from '../commands';
import type { DaemonClient } from '../daemonClient';
import type { LogChannels } from '../logs/logChannels';
import { LogTerminal } from '../logs/logTerminal';
import type { LogStreams } from '../logs/logStreams';
import type { ServerStore } from './serverStore';

export interface ServerCommandDeps {
  client: DaemonClient;
  store: ServerStore;
  channels: LogChannels;
  streams: LogStreams;
  folders: () => readonly string[];
}

type ServerCommandId =
  | 'runlens.startServer' | 'runlens.stopServer' | 'runlens.restartServer' | 'runlens.startAll' | 'runlens.stopAll'
  | 'runlens.showLogs' | 'runlens.followLogs' | 'runlens.openInBrowser' | 'runlens.serverActions' | 'runlens.openConfig';
type ServerHandlers = Pick<CommandHandlers, ServerCommandId>;

/** Accepts a server id (status bar links), a tree item holding a server, or nothing. */
function argServer(store: ServerStore, arg: unknown): ServerInfo | undefined {
  if (typeof arg === 'string') return store.get(arg);
  if (arg && typeof arg === 'object' && 'server' in arg) return store.get((arg as { server: ServerInfo }).server.id);
  return undefined;
}

export async function pickServer(store: ServerStore, arg: unknown, title: string, filter: (s: ServerInfo) => boolean = () => true): Promise<ServerInfo | undefined> {
  const given = argServer(store, arg);
  if (given) return given;
  const candidates = store.list().filter(filter);
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(`Runlens: no server to ${title.toLowerCase()}. Add one to runlens.json, or open a Mastra project.`);
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  const pick = await vscode.window.showQuickPick(
    candidates.map((s) => ({ label: s.name, description: `${s.status}${s.port ? ` · :${s.port}` : ''}`, detail: s.projectDir, server: s })),
    { title: `Runlens: ${title}`, placeHolder: 'Which server?' },
  );
  return pick?.server;
}

export function serverCommandHandlers(deps: ServerCommandDeps): ServerHandlers {
  const { client, store } = deps;
  const progress = <T>(title: string, task: () => Promise<T>) =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Runlens: ${title}` }, task);
  const live = (s: ServerInfo) => s.status !== 'stopped' && s.status !== 'crashed';

  const handlers: ServerHandlers = {
    'runlens.startServer': async (arg) => {
      const s = await pickServer(store, arg, 'Start Server', (x) => !live(x));
      if (s) await progress(`starting ${s.name}…`, () => client.request(ServersStartRequest, { project: s.projectDir, server: s.name }));
    },
    'runlens.stopServer': async (arg) => {
      const s = await pickServer(store, arg, 'Stop Server', live);
      if (s) await progress(`stopping ${s.name}…`, () => client.request(ServersStopRequest, { project: s.projectDir, server: s.name }));
    },
    'runlens.restartServer': async (arg) => {
      const s = await pickServer(store, arg, 'Restart Server');
      if (s) await progress(`restarting ${s.name}…`, () => client.request(ServersRestartRequest, { project: s.projectDir, server: s.name }));
    },
    'runlens.startAll': async () => {
      for (const project of deps.folders()) await progress('starting all servers…', () => client.request(ServersStartRequest, { project }));
    },
    'runlens.stopAll': async () => {
      for (const project of new Set(store.list().filter(live).map((s) => s.projectDir))) {
        await progress('stopping all servers…', () => client.request(ServersStopRequest, { project }));
      }
    },
    'runlens.showLogs': async (arg) => {
      const s = await pickServer(store, arg, 'Show Logs');
      if (s) deps.channels.show(s.id, s.name);
    },
    'runlens.followLogs': async (arg) => {
      const s = await pickServer(store, arg, 'Follow Logs in Terminal');
      if (!s) return;
      const terminal = vscode.window.createTerminal({ name: `Runlens: ${s.name}`, pty: new LogTerminal(deps.streams, s.id, s.name), iconPath: new vscode.ThemeIcon('output') });
      terminal.show();
    },
    'runlens.openInBrowser': async (arg) => {
      const s = await pickServer(store, arg, 'Open in Browser', (x) => x.url !== undefined);
      if (s?.url) await vscode.env.openExternal(vscode.Uri.parse(s.url));
    },
    'runlens.serverActions': async (arg) => {
      const s = await pickServer(store, arg, 'Server Actions');
      if (!s) return;
      const actions: { label: string; command: CommandId }[] = [
        { label: '$(output) Show Logs', command: 'runlens.showLogs' },
        { label: '$(terminal) Follow Logs in Terminal', command: 'runlens.followLogs' },
        ...(live(s)
          ? [{ label: '$(debug-restart) Restart', command: 'runlens.restartServer' as const }, { label: '$(debug-stop) Stop', command: 'runlens.stopServer' as const }]
          : [{ label: '$(play) Start', command: 'runlens.startServer' as const }]),
        ...(s.url ? [{ label: '$(globe) Open in Browser', command: 'runlens.openInBrowser' as const }] : []),
      ];
      const pick = await vscode.window.showQuickPick(actions, { title: `Runlens: ${s.name} (${s.status})` });
      if (pick) await vscode.commands.executeCommand(pick.command, s.id);
    },
    'runlens.openConfig': async () => {
      const folder = deps.folders()[0];
      if (!folder) return void vscode.window.showWarningMessage('Runlens: open a folder first.');
      const uri = vscode.Uri.joinPath(vscode.Uri.file(folder), 'runlens.json');
      try {
        await vscode.workspace.fs.stat(uri);
      } catch {
        await vscode.workspace.fs.writeFile(uri, Buffer.from(CONFIG_TEMPLATE));
      }
      await vscode.window.showTextDocument(uri);
    },
  };
  return handlers;
}

const CONFIG_TEMPLATE = `{
  "servers": [
    {
      "name": "web",
      "build": "npm run build",
      "start": "node dist/server.js",
      "port": "auto",
      "health": { "path": "/health" }
    }
  ]
}
`;
