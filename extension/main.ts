/**
 * Extension entry point. Owns the extension-lifetime scope: the daemon client, the server store,
 * log streams, the status bar, the Servers view and the commands. The daemon starts when a
 * workspace folder is a Runlens project, or on the first command.
 */
import { ACTIVATION_CLOCK } from './activationClock';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { resolveHome } from '../shared/node/stateDir';
import { BuildsFeature } from './builds/buildsFeature';
import { daemonEnv, type RunlensSettings } from './config';
import { ConfigDiagnostics } from './configDiagnostics';
import { SettingsSync, currentSettings } from './settingsSync';
import { StartBehaviour } from './startBehaviour';
import { COMMAND_CATEGORY, COMMANDS, type CommandHandlers, type CommandId } from './commands';
import { DaemonClient } from './daemonClient';
import { DisposableStore } from './disposables';
import { Panels } from './panels/panels';
import { LogChannels } from './logs/logChannels';
import { LogStreams } from './logs/logStreams';
import { CrashNotifier } from './servers/crashNotifier';
import { serverCommandHandlers } from './servers/serverCommands';
import { runCommandHandlers, runsFromDaemon } from './servers/serverRuns';
import { ServersTree } from './servers/serversTree';
import { ServerStore } from './servers/serverStore';
import { StatusBar } from './statusBar';
import { detectProject } from './workspaceDetect';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const activateCalled = performance.now();
  // Everything below is disposed with the extension, through context.subscriptions.
  const scope = new DisposableStore();
  context.subscriptions.push(scope);

  const log = scope.add(vscode.window.createOutputChannel('Runlens', { log: true }));
  const folders = () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const initial = currentSettings(log);
  // runlens.stateDir picks the daemon; a change takes effect on reload (SettingsSync says so).
  const home = initial.stateDir ? path.resolve(initial.stateDir) : resolveHome();
  const client: DaemonClient = scope.add(
    new DaemonClient({ extensionPath: context.extensionPath, home, log, workspaceName: vscode.workspace.name ?? 'no folder', env: () => daemonEnv(current()) }),
  );
  const settings: SettingsSync = scope.add(new SettingsSync(client, context.secrets, log, initial));
  const current = (): RunlensSettings => settings.current;
  const store = scope.add(new ServerStore(client, folders));
  const streams = scope.add(new LogStreams(client, () => current().logBufferLines));
  const channels = scope.add(new LogChannels(streams));
  // Registers the panels' serializers now, so panels open before a reload come back with it.
  const panels = scope.add(new Panels({
    client, store, log, extensionUri: context.extensionUri, runlensHome: client.paths.home, errorDiagnostics: () => current().errorDiagnostics,
    memento: context.workspaceState,
  }));
  scope.add(new CrashNotifier(store));
  scope.add(new StartBehaviour(client, store, channels, current, log));
  scope.add(new ConfigDiagnostics());
  const builds = scope.add(new BuildsFeature(client, store, folders));
  scope.add(vscode.window.createTreeView('runlens.servers', { treeDataProvider: scope.add(new ServersTree(store, builds.store, runsFromDaemon(client))), showCollapseAll: false }));

  let statusBar: StatusBar | undefined;
  const ensureStarted = async (): Promise<void> => {
    statusBar ??= scope.add(new StatusBar(client, store));
    await client.start();
  };

  const serverHandlers = serverCommandHandlers({ client, store, channels, streams, folders });
  registerCommands(scope, ensureStarted, {
    ...serverHandlers,
    'runlens.openTraces': () => panels.openTraces(),
    'runlens.openMetrics': () => panels.openMetrics(),
    ...builds.handlers,
    ...runCommandHandlers(store, runsFromDaemon(client)),
    'runlens.setClickHousePassword': () => settings.askPassword(),
    'runlens.showDaemonLog': async () => {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(client.paths.log));
      await vscode.window.showTextDocument(doc, { preview: false });
    },
    'runlens.restartDaemon': async () => {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Restarting the Runlens daemon…' },
        () => client.restart(),
      );
    },
  });

  // Project detection and the connection run after activate() resolves: a round trip to the
  // workbench (setContext) can take hundreds of milliseconds while the window is still loading,
  // and nothing else waits for it (commands start the daemon themselves).
  connectIfProject(folders(), log, ensureStarted).catch((err: unknown) => log.error(`project detection failed: ${String(err)}`));
  const now = performance.now();
  log.info(`activated in ${(now - activateCalled).toFixed(1)} ms (${(now - ACTIVATION_CLOCK.codeLoaded).toFixed(1)} ms since the code loaded)`);
}

async function connectIfProject(dirs: string[], log: vscode.LogOutputChannel, ensureStarted: () => Promise<void>): Promise<void> {
  const kinds = await Promise.all(dirs.map((f) => detectProject(f)));
  const isProject = kinds.some((k) => k !== undefined);
  void vscode.commands.executeCommand('setContext', 'runlens.isProject', isProject);
  if (isProject) {
    log.info(`Runlens project found (${kinds.filter(Boolean).join(', ')}); connecting to the daemon`);
    await ensureStarted();
  } else {
    log.info('no runlens.json or Mastra dependency in this workspace; the daemon starts on first command');
  }
}

function registerCommands(scope: DisposableStore, ensureStarted: () => Promise<void>, handlers: CommandHandlers): void {
  for (const id of Object.keys(COMMANDS) as CommandId[]) {
    scope.add(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          // Every command needs the daemon; the first one run in a non-project window starts it.
          if (id !== 'runlens.showDaemonLog' && id !== 'runlens.openConfig' && id !== 'runlens.setClickHousePassword') await ensureStarted();
          await handlers[id](...args);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          void vscode.window.showErrorMessage(`${COMMAND_CATEGORY}: ${COMMANDS[id]} failed: ${message}`);
        }
      }),
    );
  }
}

/** Nothing to do: context.subscriptions holds the extension scope. The daemon keeps running. */
export function deactivate(): void {}
