/**
 * One `LogOutputChannel` per server (`Runlens: <server>`), filled from the log stream: recent lines
 * first, then live ones, with levels guessed from each line and ANSI escapes removed.
 */
import * as vscode from 'vscode';
import { guessLevel } from '../../shared/logLevel';
import type { LogLine } from '../../shared/protocol/logs';
import { stripAnsi } from '../../shared/ansi';
import { DisposableStore } from '../disposables';
import type { LogStreams } from './logStreams';

export class LogChannels implements vscode.Disposable {
  private readonly channels = new Map<string, { channel: vscode.LogOutputChannel; scope: DisposableStore }>();

  constructor(private readonly streams: LogStreams) {}

  show(serverId: string, name: string): void {
    let entry = this.channels.get(serverId);
    if (!entry) {
      const scope = new DisposableStore();
      const channel = scope.add(vscode.window.createOutputChannel(`Runlens: ${name}`, { log: true }));
      scope.add(this.streams.follow(serverId, ({ lines, skipped }) => {
        if (skipped) channel.warn(`… ${skipped} lines skipped here to keep the editor responsive; they are in the server's log files`);
        for (const line of lines) write(channel, line);
      }));
      entry = { channel, scope };
      this.channels.set(serverId, entry);
    }
    entry.channel.show(true);
  }

  dispose(): void {
    for (const e of this.channels.values()) e.scope.dispose();
    this.channels.clear();
  }
}

function write(channel: vscode.LogOutputChannel, line: LogLine): void {
  const text = stripAnsi(line.text);
  switch (guessLevel(text, line.stream)) {
    case 'error':
      return channel.error(text);
    case 'warn':
      return channel.warn(text);
    case 'debug':
      return channel.debug(text);
    case 'trace':
      return channel.trace(text);
    default:
      return channel.info(text);
  }
}
