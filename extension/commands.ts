/**
 * Every command of the extension, in one table. `package.json` contributes the same ids and titles;
 * a unit test keeps the two in step. No `vscode` import here, so the table loads in plain Node.
 */

export const COMMANDS = {
  'runlens.startServer': 'Start Server',
  'runlens.stopServer': 'Stop Server',
  'runlens.restartServer': 'Restart Server',
  'runlens.startAll': 'Start All Servers',
  'runlens.stopAll': 'Stop All Servers',
  'runlens.showLogs': 'Show Logs',
  'runlens.followLogs': 'Follow Logs in Terminal',
  'runlens.openInBrowser': 'Open in Browser',
  'runlens.serverActions': 'Server Actions…',
  'runlens.openConfig': 'Open runlens.json',
  'runlens.openTraces': 'Open Traces',
  'runlens.openMetrics': 'Open Metrics',
  'runlens.build': 'Build',
  'runlens.cancelBuild': 'Cancel Build',
  'runlens.startFromBuild': 'Start From Build…',
  'runlens.showBuildLog': 'Show Build Log',
  'runlens.showRunLog': 'Show Run Log',
  'runlens.setClickHousePassword': 'Set ClickHouse Password',
  'runlens.showDaemonLog': 'Show Daemon Log',
  'runlens.restartDaemon': 'Restart Daemon',
} as const;

export const COMMAND_CATEGORY = 'Runlens';

export type CommandId = keyof typeof COMMANDS;

/** One handler per command: a missing handler is a type error. */
export type CommandHandlers = Record<CommandId, (...args: unknown[]) => unknown>;
