/**
 * "Follow Logs in Terminal": a pseudoterminal that shows a server's live log with its colours,
 * stderr marked in red, Runlens's own lines dimmed. It stays open across restarts (the run
 * separator line shows where one run ended) and takes keys: c clear, p pause/resume,
 * / filter (Enter applies, Esc cancels), q close.
 */
import * as vscode from 'vscode';
import { stripAnsi } from '../../shared/ansi';
import type { LogLine } from '../../shared/protocol/logs';
import { DisposableStore } from '../disposables';
import type { LogStreams } from './logStreams';

const RED = '\x1b[31m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
const HELP = `${DIM}[c] clear  [p] pause  [/] filter  [q] close${RESET}`;
/** While paused, lines wait here; beyond this many the oldest are dropped and counted. */
const MAX_HELD = 20_000;

export class LogTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private readonly scope = new DisposableStore();
  private paused = false;
  private held: LogLine[] = [];
  private dropped = 0;
  private filter = '';
  private typing: string | undefined;

  constructor(private readonly streams: LogStreams, private readonly serverId: string, private readonly name: string) {
    this.scope.add(this.writeEmitter);
    this.scope.add(this.closeEmitter);
  }

  open(): void {
    this.out(`${DIM}Runlens: following ${this.name}${RESET}  ${HELP}\r\n`);
    this.scope.add(this.streams.follow(this.serverId, ({ lines, skipped }) => {
      if (skipped) this.out(`${DIM}… ${skipped} lines skipped to keep up; they are in the log files …${RESET}\r\n`);
      if (this.paused) return this.hold(lines);
      this.print(lines);
    }));
  }

  close(): void {
    this.scope.dispose();
  }

  handleInput(data: string): void {
    if (this.typing !== undefined) return this.typeFilter(data);
    switch (data) {
      case 'c':
        return this.out('\x1b[2J\x1b[3J\x1b[H');
      case 'p':
        return this.togglePause();
      case '/':
        this.typing = '';
        return this.out(`\r\n${DIM}filter:${RESET} `);
      case 'q':
        return this.closeEmitter.fire();
    }
  }

  private togglePause(): void {
    this.paused = !this.paused;
    if (this.paused) return this.out(`${DIM}── paused (p to resume) ──${RESET}\r\n`);
    const held = this.held;
    this.held = [];
    this.out(`${DIM}── resumed${this.dropped ? `, ${this.dropped} lines dropped while paused (still in the log files)` : ''} ──${RESET}\r\n`);
    this.dropped = 0;
    this.print(held);
  }

  private typeFilter(data: string): void {
    if (data === '\r') {
      this.filter = this.typing ?? '';
      this.typing = undefined;
      return this.out(`\r\n${DIM}── ${this.filter ? `showing lines containing "${this.filter}"` : 'filter cleared'} ──${RESET}\r\n`);
    }
    if (data === '\x1b') {
      this.typing = undefined;
      return this.out(`\r\n${DIM}── filter unchanged ──${RESET}\r\n`);
    }
    if (data === '\x7f') {
      if (this.typing) {
        this.typing = this.typing.slice(0, -1);
        this.out('\b \b');
      }
      return;
    }
    if (data >= ' ') {
      this.typing += data;
      this.out(data);
    }
  }

  private hold(lines: readonly LogLine[]): void {
    this.held.push(...lines);
    const over = this.held.length - MAX_HELD;
    if (over > 0) {
      this.held.splice(0, over);
      this.dropped += over;
    }
  }

  private print(lines: readonly LogLine[]): void {
    const needle = this.filter.toLowerCase();
    let text = '';
    for (const l of lines) {
      if (needle && !stripAnsi(l.text).toLowerCase().includes(needle)) continue;
      text += format(l) + '\r\n';
    }
    if (text) this.out(text);
  }

  private out(text: string): void {
    this.writeEmitter.fire(text);
  }
}

function format(l: LogLine): string {
  // A pseudoterminal needs \r\n; a bare \n inside a line would start mid-row.
  const text = l.text.replace(/\r?\n/g, '\r\n');
  if (l.stream === 'stderr') return `${RED}│${RESET} ${text}${RESET}`;
  if (l.stream === 'system') return `${DIM}${text}${RESET}`;
  return `${text}${RESET}`;
}
