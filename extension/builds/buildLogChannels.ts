/**
 * One `LogOutputChannel` per build (`Runlens Build: <project> <build id>`): the build's log so far,
 * then its live lines, each line once (the daemon numbers them, so the backfill and the live stream
 * overlap without repeats). Levels come from the stream and the text; ANSI escapes are removed.
 */
import * as vscode from 'vscode';
import { guessLevel } from '../../shared/logLevel';
import { stripAnsi } from '../../shared/ansi';
import { BuildLogsRequest, type BuildLogLine, type BuildRecord } from '../../shared/protocol/builds';
import type { DaemonClient } from '../daemonClient';
import type { BuildStore } from './buildStore';

/** Channels beyond this many are closed, oldest first: each holds a whole build log. */
const MAX_CHANNELS = 8;

interface Entry {
  channel: vscode.LogOutputChannel;
  lastSeq: number;
  /** Live lines that arrived before the backfill; written after it. */
  held: BuildLogLine[] | undefined;
}

export class BuildLogChannels implements vscode.Disposable {
  private readonly channels = new Map<string, Entry>();
  private readonly sub: vscode.Disposable;

  constructor(private readonly client: DaemonClient, store: BuildStore) {
    this.sub = store.onDidLog((p) => {
      const entry = this.channels.get(p.buildId);
      if (!entry) return;
      if (entry.held) return void entry.held.push(...p.lines);
      if (p.dropped) entry.channel.warn(`… ${p.dropped} lines skipped here to keep up; they are in build.log`);
      this.write(entry, p.lines);
    });
  }

  /** Opens (or reveals) the build's channel; the first open fills it with the log so far. */
  async show(build: Pick<BuildRecord, 'id' | 'projectName'>): Promise<void> {
    let entry = this.channels.get(build.id);
    if (!entry) {
      entry = { channel: vscode.window.createOutputChannel(`Runlens Build: ${build.projectName} ${build.id}`, { log: true }), lastSeq: 0, held: [] };
      this.channels.set(build.id, entry);
      this.closeOldest();
      entry.channel.show(true);
      await this.backfill(build.id, entry);
    }
    entry.channel.show(true);
  }

  dispose(): void {
    this.sub.dispose();
    for (const e of this.channels.values()) e.channel.dispose();
    this.channels.clear();
  }

  private async backfill(buildId: string, entry: Entry): Promise<void> {
    try {
      const { lines } = await this.client.request(BuildLogsRequest, { buildId });
      this.write(entry, lines);
    } catch (err) {
      entry.channel.error(`cannot read this build's log: ${(err as Error).message}`);
    } finally {
      const held = entry.held ?? [];
      entry.held = undefined;
      this.write(entry, held);
    }
  }

  private write(entry: Entry, lines: readonly BuildLogLine[]): void {
    for (const line of lines) {
      if (line.seq <= entry.lastSeq) continue;
      entry.lastSeq = line.seq;
      const plain = stripAnsi(line.text);
      const text = `[${line.step}] ${plain}`;
      const level = guessLevel(plain, line.stream);
      if (level === 'error') entry.channel.error(text);
      else if (level === 'warn') entry.channel.warn(text);
      else entry.channel.info(text);
    }
  }

  private closeOldest(): void {
    while (this.channels.size > MAX_CHANNELS) {
      const [id, oldest] = this.channels.entries().next().value as [string, Entry];
      oldest.channel.dispose();
      this.channels.delete(id);
    }
  }
}
