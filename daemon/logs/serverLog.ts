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
import { LineIndex } from './lineIndex';
import type { TurnBudget } from './turnBudget';
import type { RingBudget } from './ringBudget';
import type { LogBuffers } from './bufferPool';
import { readFilePage } from './logPages';
import { DEFAULT_ROTATION, LogRotator, type PunchHole, type RotationSettings } from './logRotation';
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
  rotator: LogRotator;
}

export type LineSink = (serverId: string, lines: readonly LogLine[]) => void;

interface Attached {
  runId: string;
  readers: StreamReader[];
}

export interface ServerLogOptions {
  /** Lines kept in memory (default 10,000). */
  capacity?: number;
  /** Bytes of text (UTF-8) kept in memory (default 4 MiB); older lines are read back from the files. */
  ringBytes?: number;
  /** The text all servers' rings share (wins over `ringBytes`). */
  ringBudget?: RingBudget;
  /** Buffers for backlog reads and rotation copies, shared by all servers. */
  buffers?: LogBuffers;
  sink?: LineSink;
  /** Continues numbering after a daemon restart, so clients' cursors stay valid. */
  firstSeq?: number;
  /** Where the line index is kept, so pages older than the ring survive a daemon restart. */
  indexFile?: string;
  /** Folder holding the runs (`<runsDir>/<runId>/`), for reading old runs' files. */
  runsDir?: string;
  rotation?: RotationSettings;
  /** Frees rotated heads of the live files (default: a `fallocate` process per rotation). */
  punchHole?: PunchHole;
  /** Shares the event loop with the other servers' tailers. */
  readTurns?: TurnBudget;
}

export class ServerLog {
  private readonly ring: LineRing;
  private readonly listeners = new Set<(lines: readonly LogLine[]) => void>();
  private readonly index: LineIndex;
  private readonly runDirs = new Map<string, string>();
  private readonly sink: LineSink | undefined;
  private attached: Attached | undefined;
  private seq = 0;
  /** Set once the ring holds a line: only rings with lines share the budget. */
  private leaveBudget: (() => void) | undefined;

  constructor(readonly serverId: string, private readonly opts: ServerLogOptions = {}) {
    const budget = opts.ringBudget;
    this.ring = budget ? new LineRing(opts.capacity ?? 10_000, () => budget.share(), budget.blocks) : new LineRing(opts.capacity ?? 10_000, opts.ringBytes);
    this.sink = opts.sink;
    this.seq = opts.firstSeq ?? 0;
    this.index = new LineIndex(opts.indexFile, this.seq);
  }

  /** Starts tailing a run's files from the given offsets (0 for a new run; saved ones on re-adoption). */
  attach(runId: string, runDir: string, from: StreamOffsets = { stdout: 0, stderr: 0 }): void {
    this.detach();
    const readers = [
      this.reader(runId, runDir, 'stdout', from.stdout, from.stdoutLines ?? 0),
      this.reader(runId, runDir, 'stderr', from.stderr, from.stderrLines ?? 0),
    ];
    this.attached = { runId, readers };
    this.runDirs.set(runId, runDir);
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
    for (const r of a?.readers ?? []) {
      const start = r.tailer.offset - r.splitter.buffered;
      this.emitParts(r, a!.runId, r.splitter.flush(), start);
    }
  }

  detach(): void {
    for (const r of this.attached?.readers ?? []) r.tailer.stop();
    this.attached = undefined;
  }

  /** A line from Runlens itself (start, exit, restart), shown in the same stream as the server's. */
  system(text: string): void {
    const line = this.line('system', text, this.attached?.runId ?? '');
    this.index.recordSystem(line.seq, line.runId, text, line.time);
    this.emit([line]);
  }

  close(): void {
    this.detach();
    this.leaveBudget?.();
    this.leaveBudget = undefined;
    this.index.close();
  }

  onLines(listener: (lines: readonly LogLine[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** A page from the ring, continued from the files (through the line index) where the ring ends. */
  get(params: LogsGetParams): LogsGetResult {
    const needle = params.grep?.toLowerCase();
    const keep = needle ? (l: LogLine) => stripAnsi(l.text).toLowerCase().includes(needle) : undefined;
    const forward = params.since !== undefined && params.before === undefined;
    const limit = Math.max(1, Math.min(params.limit ?? params.tail ?? 200, 10_000));
    const ringStart = this.ring.oldestSeq ?? this.seq + 1;
    const older = this.index.oldestSeq;
    const runDirOf = (runId: string): string => this.runDirs.get(runId) ?? path.join(this.opts.runsDir ?? '', runId);
    if (forward) {
      // Catching up from before the ring: the files first, then the ring.
      const from = params.since! + 1;
      const fromFiles = older !== undefined && from < ringStart ? readFilePage(this.index, runDirOf, { from, to: ringStart, limit, backwards: false, keep }) : undefined;
      if (fromFiles && (fromFiles.more || fromFiles.lines.length === limit)) return { lines: fromFiles.lines, lastSeq: this.seq, more: true, scannedTo: fromFiles.scannedTo };
      const got = fromFiles?.lines.length ?? 0;
      const ring = this.ring.select({ since: params.since, limit: limit - got, fromEnd: false, keep });
      return { lines: [...(fromFiles?.lines ?? []), ...ring.lines], lastSeq: this.seq, more: ring.more };
    }
    const ring = this.ring.select({ since: params.since, before: params.before, limit, fromEnd: true, keep });
    const to = Math.min(params.before ?? Infinity, ringStart);
    const from = (params.since ?? 0) + 1;
    if (ring.more || older === undefined || to <= Math.max(from, older)) return { lines: ring.lines, lastSeq: this.seq, more: ring.more || (older !== undefined && to > Math.max(from, older)) };
    const page = readFilePage(this.index, runDirOf, { from, to, limit: limit - ring.lines.length, backwards: true, keep });
    return { lines: [...page.lines, ...ring.lines], lastSeq: this.seq, more: page.more, scannedTo: page.scannedTo };
  }

  private reader(runId: string, runDir: string, stream: 'stdout' | 'stderr', offset: number, lines: number): StreamReader {
    const file = path.join(runDir, `${stream}.log`);
    const r = { stream, splitter: new LineSplitter(), lines } as StreamReader;
    r.rotator = new LogRotator(file, this.opts.rotation ?? DEFAULT_ROTATION, (message) => this.system(message), this.opts.punchHole, this.opts.buffers?.copy);
    r.tailer = new FileTailer(file, offset, {
      data: (chunk, end) => {
        // Where this chunk's first line began: the bytes held over from earlier chunks come first.
        const start = end - chunk.length - r.splitter.buffered;
        const skipLf = r.splitter.pendingCr;
        this.emitParts(r, runId, r.splitter.push(chunk), start, skipLf);
        r.rotator.advanced(end - r.splitter.buffered);
      },
      truncated: () => this.system(`${stream}.log was truncated by something other than Runlens; reading it again from the start`),
      error: (err) => this.system(`reading ${stream}.log failed: ${err.message}`),
    }, this.opts.readTurns, this.opts.buffers?.backlog);
    return r;
  }

  private emitParts(r: StreamReader, runId: string, parts: SplitLine[], offset?: number, skipLf = false): void {
    if (parts.length === 0) return;
    const lines = parts.map((p) => this.line(r.stream, p.text, runId, p.partial, ++r.lines));
    if (offset !== undefined) {
      const first = lines[0]!;
      this.index.recordFile({ firstSeq: first.seq, count: lines.length, run: runId, stream: r.stream, time: first.time, offset, line: first.line!, skipLf });
    }
    this.emit(lines);
  }

  private line(stream: LogStream, text: string, runId: string, partial = false, lineNo?: number): LogLine {
    const line: LogLine = { seq: ++this.seq, time: Date.now(), stream, text, runId };
    if (partial) line.partial = true;
    if (lineNo !== undefined) line.line = lineNo;
    return line;
  }

  private emit(lines: LogLine[]): void {
    // A project's servers that never ran since the daemon started hold nothing and take no share.
    if (!this.leaveBudget && this.opts.ringBudget) this.leaveBudget = this.opts.ringBudget.join(this.ring);
    for (const l of lines) this.ring.push(l);
    for (const listener of this.listeners) listener(lines);
    this.sink?.(this.serverId, lines);
  }
}
