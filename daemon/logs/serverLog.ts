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
import { LineSplitter, type SplitLine } from './lineSplitter';
import { stripAnsi } from '../../shared/ansi';

/** Where reading of a run's files stands: bytes consumed and lines emitted, per stream. */
export interface StreamOffsets {
  stdout: number;
  stderr: number;
  stdoutLines?: number;
  stderrLines?: number;
}

interface StreamReader {
  stream: 'stdout' | 'stderr';
  tailer: FileTailer;
  splitter: LineSplitter;
  lines: number;
}

export type LineSink = (serverId: string, lines: readonly LogLine[]) => void;

interface Attached {
  runId: string;
  readers: StreamReader[];
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
    const readers = [
      this.reader(runId, runDir, 'stdout', from.stdout, from.stdoutLines ?? 0),
      this.reader(runId, runDir, 'stderr', from.stderr, from.stderrLines ?? 0),
    ];
    this.attached = { runId, readers };
    for (const r of readers) r.tailer.start();
  }

  /**
   * Where a new daemon should resume: bytes of complete lines only (an unfinished line is read
   * again whole), and the count of lines emitted, which numbers the next line the same way again.
   */
  offsets(): StreamOffsets | undefined {
    const a = this.attached;
    if (!a) return undefined;
    const [out, err] = a.readers as [StreamReader, StreamReader];
    return {
      stdout: out.tailer.offset - out.splitter.buffered, stderr: err.tailer.offset - err.splitter.buffered,
      stdoutLines: out.lines, stderrLines: err.lines,
    };
  }

  /** Reads what the files hold now (after a server exits, so its last lines are not missed). */
  async drain(): Promise<void> {
    await Promise.all(this.attached?.readers.map((r) => r.tailer.drain()) ?? []);
    // The run is over: an unterminated last line is complete now.
    const a = this.attached;
    for (const r of a?.readers ?? []) this.emitParts(r, a!.runId, r.splitter.flush());
  }

  detach(): void {
    for (const r of this.attached?.readers ?? []) r.tailer.stop();
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

  private reader(runId: string, runDir: string, stream: 'stdout' | 'stderr', offset: number, lines: number): StreamReader {
    const r = { stream, splitter: new LineSplitter(), lines } as StreamReader;
    r.tailer = new FileTailer(path.join(runDir, `${stream}.log`), offset, {
      data: (chunk) => this.emitParts(r, runId, r.splitter.push(chunk)),
      truncated: () => this.system(`${stream}.log was rotated`),
      error: (err) => this.system(`reading ${stream}.log failed: ${err.message}`),
    });
    return r;
  }

  private emitParts(r: StreamReader, runId: string, parts: SplitLine[]): void {
    if (parts.length === 0) return;
    this.emit(parts.map((p) => this.line(r.stream, p.text, runId, p.partial, ++r.lines)));
  }

  private line(stream: LogStream, text: string, runId: string, partial = false, lineNo?: number): LogLine {
    const line: LogLine = { seq: ++this.seq, time: Date.now(), stream, text, runId };
    if (partial) line.partial = true;
    if (lineNo !== undefined) line.line = lineNo;
    return line;
  }

  private emit(lines: LogLine[]): void {
    for (const l of lines) this.ring.push(l);
    for (const listener of this.listeners) listener(lines);
    this.sink?.(this.serverId, lines);
  }
}
