/**
 * Runlens's own JSONL segments: the source of truth every store is fed from. Sources append
 * normalized records here first; each store reads from its checkpoint (segment, byte offset).
 * Segments are numbered files `<seq>.jsonl` in one directory and rotate by size. A segment whose
 * last line is incomplete (the disk filled, the machine lost power) is never appended to again, so
 * a torn line stays alone and is quarantined instead of corrupting the next record.
 */
import { isAscii } from 'node:buffer';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SegmentRecord, ServerLinesRecord } from '../../shared/telemetry/serverLines';
import { JsonBytes } from '../jsonBytes';
import type { Checkpoint, SegmentLine } from '../../shared/telemetry/query';

const NAME = /^(\d{12})\.jsonl$/;
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** The append buffer kept between batches; a larger one is dropped after its write. */
const KEEP_BUFFER_BYTES = 1024 * 1024;

/**
 * One read buffer for every segment read of its owner, grown to the largest read. A fresh buffer
 * per read is external memory that V8 frees only at a later collection: the local store's thread,
 * reading 1 MiB batches dozens of times a second under a log flood, held tens of megabytes of
 * them. Lines are decoded into strings before the next read, so nothing refers to it after a read.
 */
export class ReadScratch {
  private buf: Buffer | undefined;

  take(bytes: number): Buffer {
    if (!this.buf || this.buf.length < bytes) this.buf = Buffer.allocUnsafeSlow(bytes);
    return this.buf;
  }
}

/** A `lines` record text by text (see JsonBytes for why not JSON.stringify). */
function writeLines(out: JsonBytes, r: ServerLinesRecord): void {
  out.raw(`{"t":"lines","serverId":${JSON.stringify(r.serverId)},"runId":${JSON.stringify(r.runId)},"service":${JSON.stringify(r.service)},"stream":${JSON.stringify(r.stream)},"line":${r.line},"timeUnixNano":${JSON.stringify(r.timeUnixNano)},"texts":[`);
  for (let i = 0; i < r.texts.length; i++) {
    if (i > 0) out.byte(0x2c);
    out.string(r.texts[i]!);
  }
  out.raw(']}');
}

export function segmentName(seq: number): string {
  return `${String(seq).padStart(12, '0')}.jsonl`;
}

/** Segment numbers present in `dir`, ascending. */
export function listSegments(dir: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => NAME.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Records could not be written to the segments (most often: the disk is full); nothing of them was kept. */
export class SegmentWriteError extends Error {
  constructor(dir: string, cause: NodeJS.ErrnoException) {
    const why = cause.code === 'ENOSPC' ? 'the disk is full (ENOSPC); free space there, then send again' : `${cause.code ?? ''} ${cause.message}`.trim();
    super(`cannot store telemetry in ${dir}: ${why}`);
  }
}

export class SegmentWriter {
  private fd = -1;
  /** The last write failed midway: the next one starts a new segment. */
  private torn = false;
  private seq = 0;
  private size = 0;
  private dirty = false;
  private readonly out = new JsonBytes(KEEP_BUFFER_BYTES);
  private readonly listeners = new Set<() => void>();
  private readonly syncTimer: NodeJS.Timeout;

  constructor(readonly dir: string, private readonly maxBytes = DEFAULT_SEGMENT_BYTES) {
    fs.mkdirSync(dir, { recursive: true });
    const last = listSegments(dir).at(-1);
    if (last !== undefined && endsCleanly(path.join(dir, segmentName(last)))) this.open(last);
    else this.open((last ?? 0) + 1);
    // fsync once a second: a killed daemon loses nothing (the kernel has the bytes); this bounds
    // what a power loss can take.
    this.syncTimer = setInterval(() => this.sync(true), 1000);
    this.syncTimer.unref();
  }

  /** Appends records as one write; returns the position after them. */
  append(records: readonly SegmentRecord[]): Checkpoint {
    if (records.length > 0) {
      // Each record is encoded straight into one reused buffer: concatenating a batch into one
      // string and encoding that allocated two fresh copies of it per batch, and under a log
      // flood those copies (and the page faults of fresh memory) were a fifth of the daemon's CPU.
      const out = this.out;
      out.reset();
      for (const r of records) {
        if (r.t === 'lines') writeLines(out, r);
        else out.raw(JSON.stringify(r));
        out.byte(0x0a);
      }
      const n = out.length;
      this.writeAll(n);
      this.size += n;
      this.dirty = true;
      if (this.size >= this.maxBytes) this.rotate();
      for (const l of this.listeners) l();
    }
    return { segment: this.seq, offset: this.size };
  }

  private writeAll(n: number): void {
    let done = 0;
    try {
      if (this.torn) {
        const old = this.fd;
        this.open(this.seq + 1);
        fs.closeSync(old);
        this.torn = false;
      }
      const bytes = this.out.view();
      for (; done < n; ) done += fs.writeSync(this.fd, bytes, done, n - done);
    } catch (err) {
      // Part of a line may be on disk: that segment is never appended to again (its torn tail is
      // quarantined by readers), and the records are refused so their sender keeps them.
      if (done > 0) this.torn = true;
      throw new SegmentWriteError(this.dir, err as NodeJS.ErrnoException);
    }
  }

  /** Called after every append; feeders use it to wake up. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  position(): Checkpoint {
    return { segment: this.seq, offset: this.size };
  }

  close(): void {
    clearInterval(this.syncTimer);
    this.sync();
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  /** Synchronous at rotation and close; from the timer in the thread pool, so the event loop never waits on the disk. */
  private sync(background = false): void {
    if (!this.dirty || this.fd < 0) return;
    this.dirty = false;
    if (!background) return fs.fsyncSync(this.fd);
    // A rotation may close this fd meanwhile; it syncs first, so a failed background sync loses nothing.
    fs.fsync(this.fd, () => undefined);
  }

  /**
   * The sealed segment is synced in the thread pool and closed once that is done. Under a log
   * flood a segment fills every second or two, and a synchronous fsync of up to 64 MB stalled
   * the event loop each time.
   */
  private rotate(): void {
    const old = this.fd;
    const dirty = this.dirty;
    this.dirty = false;
    this.open(this.seq + 1);
    if (!dirty) return fs.closeSync(old);
    fs.fsync(old, () => fs.close(old, () => undefined));
  }

  private open(seq: number): void {
    this.seq = seq;
    this.fd = fs.openSync(path.join(this.dir, segmentName(seq)), 'a', 0o600);
    this.size = fs.fstatSync(this.fd).size;
  }
}

function endsCleanly(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const { size } = fs.fstatSync(fd);
    if (size === 0) return true;
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    fs.closeSync(fd);
  }
}

export interface SegmentChunk {
  /** Complete lines, without their newline, with the byte offset each starts at and its length. */
  lines: SegmentLine[];
  next: Checkpoint;
}

/**
 * Reads complete lines from `from` on, at most about `maxBytes`, moving to the next segment when
 * one is exhausted and a later one exists. An incomplete last line of a sealed segment is
 * returned too, so the caller can quarantine it and move on.
 */
export function readSegments(dir: string, from: Checkpoint, maxBytes: number, scratch = new ReadScratch()): SegmentChunk {
  const segments = listSegments(dir);
  let { segment, offset } = from;
  if (!segments.includes(segment)) {
    // Our segment was removed by retention (or never existed): resume at the next one there is.
    const later = segments.find((s) => s > segment);
    if (later === undefined) return { lines: [], next: from };
    segment = later;
    offset = 0;
  }
  const lines: SegmentChunk['lines'] = [];
  for (;;) {
    const file = path.join(dir, segmentName(segment));
    const sealed = segments.some((s) => s > segment);
    const { text, consumed } = readLines(file, offset, maxBytes, sealed, scratch);
    let pos = offset;
    for (const line of text.lines) {
      const bytes = text.ascii ? line.length : Buffer.byteLength(line, 'utf8');
      if (line.length > 0) lines.push({ text: line, segment, offset: pos, bytes });
      pos += bytes + 1;
    }
    offset += consumed;
    const size = fs.statSync(file).size;
    if (offset < size || !sealed || lines.length > 0) return { lines, next: { segment, offset } };
    segment = segments.find((s) => s > segment)!;
    offset = 0;
  }
}

function readLines(file: string, offset: number, maxBytes: number, sealed: boolean, scratch: ReadScratch): { text: { lines: string[]; ascii: boolean }; consumed: number } {
  const fd = fs.openSync(file, 'r');
  try {
    // Sized to what is there: a fresh maxBytes buffer per read counts as external memory, and at a
    // few small reads a second it made V8 run a full mark-compact every 2-3 s in an idle daemon.
    const want = Math.min(maxBytes, fs.fstatSync(fd).size - offset);
    if (want <= 0) return { text: { lines: [], ascii: true }, consumed: 0 };
    const buf = scratch.take(want);
    const n = fs.readSync(fd, buf, 0, want, offset);
    if (n === 0) return { text: { lines: [], ascii: true }, consumed: 0 };
    // Search only what was read: the rest of the buffer is uninitialized memory.
    let end = buf.subarray(0, n).lastIndexOf(0x0a) + 1;
    if (end === 0 && n > 0) {
      // No newline within maxBytes: either one huge line (take it whole, the quarantine will
      // reject it) or the torn tail of a sealed segment.
      const size = fs.fstatSync(fd).size;
      if (n === maxBytes || (sealed && offset + n === size)) end = n;
      else return { text: { lines: [], ascii: true }, consumed: 0 };
    } else if (sealed && end < n && offset + n === fs.fstatSync(fd).size) {
      end = n;
    }
    // Most telemetry is ASCII: decoding it as latin1 is a copy (and gives one-byte strings, which
    // JSON.parse reads faster), where UTF-8 decoding was a quarter of the feeder's time.
    const ascii = isAscii(buf.subarray(0, end));
    const text = buf.toString(ascii ? 'latin1' : 'utf8', 0, end);
    const parts = text.split('\n');
    if (text.endsWith('\n')) parts.pop();
    return { text: { lines: parts, ascii }, consumed: end };
  } finally {
    fs.closeSync(fd);
  }
}
