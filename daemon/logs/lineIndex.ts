/**
 * Where each log line of a server lives on disk, so `logs/get` can page past the in-memory ring
 * into the files. Sequence numbers are handed out in the order the daemon reads stdout and stderr,
 * which the files alone cannot reproduce, so the daemon notes it as it goes: one entry per run of
 * consecutive lines from one stream (at most ~1,000 lines each, so a page never re-reads much),
 * holding the first line's seq, byte offset and line number. Runlens's own lines are entries that
 * carry their text. Entries are appended to a JSONL file as they start, so paging reaches back
 * across daemon restarts; a server that never interleaves its streams costs one entry per
 * thousand lines.
 */
import * as fs from 'node:fs';
import type { LogStream } from '../../shared/protocol/logs';

export interface IndexEntry {
  /** Seq of the entry's first line; the entry runs up to the next entry's seq. */
  seq: number;
  run: string;
  stream: LogStream;
  /** Unix ms when the first line was read; the time shown for lines read back from files. */
  time: number;
  /** Byte offset of the first line in `<stream>.log` (file streams only). */
  offset?: number;
  /** Line number of the first line within its stream's file. */
  line?: number;
  /** The bytes at `offset` start with the `\n` of a `\r\n` whose `\r` ended the previous line. */
  skipLf?: true;
  /** The text of a Runlens line (system stream only). */
  text?: string;
}

export interface FileBatch {
  firstSeq: number;
  count: number;
  run: string;
  stream: 'stdout' | 'stderr';
  time: number;
  offset: number;
  line: number;
  skipLf: boolean;
}

const LINES_PER_ENTRY = 1000;

export class LineIndex {
  private entries: IndexEntry[] = [];
  /** One past the last seq recorded. */
  private end = 0;
  private fd: number | undefined;

  /** `lastSeq` is the newest seq a previous daemon saved; entries it wrote after that are dropped. */
  constructor(private readonly file: string | undefined, lastSeq: number, private readonly cap = 200_000) {
    if (file) this.load(file, lastSeq);
    this.end = lastSeq + 1;
  }

  get oldestSeq(): number | undefined {
    return this.entries[0]?.seq;
  }

  get endSeq(): number {
    return this.end;
  }

  recordFile(b: FileBatch): void {
    if (b.count === 0) return;
    const last = this.entries.at(-1);
    const continues = last !== undefined && last.run === b.run && last.stream === b.stream && b.firstSeq === this.end && this.end - last.seq < LINES_PER_ENTRY;
    if (!continues) {
      const entry: IndexEntry = { seq: b.firstSeq, run: b.run, stream: b.stream, time: b.time, offset: b.offset, line: b.line };
      if (b.skipLf) entry.skipLf = true;
      this.add(entry);
    }
    this.end = b.firstSeq + b.count;
  }

  recordSystem(seq: number, run: string, text: string, time: number): void {
    this.add({ seq, run, stream: 'system', time, text });
    this.end = seq + 1;
  }

  /** Position of the entry holding `seq`, or -1 when it is older than the index. */
  find(seq: number): number {
    let lo = 0;
    let hi = this.entries.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.seq <= seq) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  at(i: number): IndexEntry | undefined {
    return this.entries[i];
  }

  /** Seq one past the entry's last line. */
  entryEnd(i: number): number {
    return this.entries[i + 1]?.seq ?? this.end;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private add(entry: IndexEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.cap) this.entries.splice(0, this.entries.length - Math.floor(this.cap * 0.75));
    if (!this.file) return;
    try {
      this.fd ??= fs.openSync(this.file, 'a', 0o600);
      fs.writeSync(this.fd, JSON.stringify(entry) + '\n');
    } catch {
      // Paging past the ring is a convenience; the log files themselves are what must not fail.
    }
  }

  private load(file: string, lastSeq: number): void {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return;
    }
    let dropped = false;
    for (const row of text.split('\n')) {
      if (!row) continue;
      try {
        const e = JSON.parse(row) as IndexEntry;
        // Written after the last saved state: those lines are read (and numbered) again.
        if (typeof e.seq !== 'number' || e.seq > lastSeq) {
          dropped = true;
          continue;
        }
        this.entries.push(e);
      } catch {
        dropped = true; // A torn last line from a crash.
      }
    }
    if (this.entries.length > this.cap) {
      this.entries.splice(0, this.entries.length - Math.floor(this.cap * 0.75));
      dropped = true;
    }
    if (dropped) fs.writeFileSync(file, this.entries.map((e) => JSON.stringify(e) + '\n').join(''), { mode: 0o600 });
  }
}
