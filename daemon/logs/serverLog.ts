/**
 * The log of one server: the daemon tails the stdout and stderr files its runs write into (the
 * server holds them open itself, so nothing is lost while the daemon is down), splits them into
 * lines, numbers them, keeps the newest in a ring, and hands every batch to the subscribers and to
 * the telemetry sink. Each new run of the server attaches its own files; the ring spans runs.
 */
import * as path from 'node:path';
import type { LogLine, LogStream, LogsGetParams, LogsGetResult } from '../../shared/protocol/logs';
import { FileTailer } from './fileTailer';
import { LineRing } from './lineRing';
import { LineSplitter } from './lineSplitter';
import { stripAnsi } from './ansi';

export interface StreamOffsets {
  stdout: number;
  stderr: number;
}

export type LineSink = (serverId: string, lines: readonly LogLine[]) => void;

interface Attached {
  runId: string;
  tailers: FileTailer[];
}

export class ServerLog {
  private readonly ring: LineRing;
  private readonly listeners = new Set<(lines: readonly LogLine[]) => void>();
  private attached: Attached | undefined;
  private seq = 0;

  /** `firstSeq` continues numbering after a daemon restart, so clients' cursors stay valid. */
  constructor(readonly serverId: string, capacity: number, private readonly sink?: LineSink, firstSeq = 0) {
    this.ring = new LineRing(capacity);
    this.seq = firstSeq;
  }

  /** Starts tailing a run's files from the given offsets (0 for a new run; saved ones on re-adoption). */
  attach(runId: string, runDir: string, from: StreamOffsets = { stdout: 0, stderr: 0 }): void {
    this.detach();
    const tailers = (['stdout', 'stderr'] as const).map((stream) => this.tail(runId, runDir, stream, from[stream]));
    this.attached = { runId, tailers };
    for (const t of tailers) t.start();
  }

  /** Byte offsets read so far, saved with the server's state so a new daemon resumes there. */
  offsets(): StreamOffsets | undefined {
    const a = this.attached;
    return a ? { stdout: a.tailers[0]!.offset, stderr: a.tailers[1]!.offset } : undefined;
  }

  /** Reads what the files hold now (after a server exits, so its last lines are not missed). */
  async drain(): Promise<void> {
    await Promise.all(this.attached?.tailers.map((t) => t.drain()) ?? []);
  }

  detach(): void {
    for (const t of this.attached?.tailers ?? []) t.stop();
    this.attached = undefined;
  }

  /** A line from Runlens itself (start, exit, restart), shown in the same stream as the server's. */
  system(text: string): void {
    this.emit([this.line('system', text, this.attached?.runId ?? '')]);
  }

  onLines(listener: (lines: readonly LogLine[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get lastSeq(): number {
    return this.seq;
  }

  get(params: LogsGetParams): LogsGetResult {
    const needle = params.grep?.toLowerCase();
    const keep = needle ? (l: LogLine) => stripAnsi(l.text).toLowerCase().includes(needle) : undefined;
    const forward = params.since !== undefined && params.before === undefined;
    const limit = Math.max(1, Math.min(params.limit ?? params.tail ?? 200, 10_000));
    const { lines, more } = this.ring.select({ since: params.since, before: params.before, limit, fromEnd: !forward, keep });
    return { lines, lastSeq: this.seq, more };
  }

  private tail(runId: string, runDir: string, stream: 'stdout' | 'stderr', offset: number): FileTailer {
    const splitter = new LineSplitter();
    return new FileTailer(path.join(runDir, `${stream}.log`), offset, {
      data: (chunk) => {
        const parts = splitter.push(chunk);
        if (parts.length) this.emit(parts.map((p) => this.line(stream, p.text, runId, p.partial)));
      },
      truncated: () => this.system(`${stream}.log was rotated`),
      error: (err) => this.system(`reading ${stream}.log failed: ${err.message}`),
    });
  }

  private line(stream: LogStream, text: string, runId: string, partial = false): LogLine {
    const line: LogLine = { seq: ++this.seq, time: Date.now(), stream, text, runId };
    if (partial) line.partial = true;
    return line;
  }

  private emit(lines: LogLine[]): void {
    for (const l of lines) this.ring.push(l);
    for (const listener of this.listeners) listener(lines);
    this.sink?.(this.serverId, lines);
  }
}
