/**
 * Follows a log file that a server appends to, from a byte offset: wakes on inotify events (with a
 * slow poll as a safety net for filesystems without them), reads in large blocks, never has more
 * than one read in flight, and notices truncation (after rotation) by the size going backwards.
 */
import * as fs from 'node:fs';
import type { TurnBudget } from './turnBudget';
import { BACKLOG_READ_BYTES, BufferPool } from './bufferPool';

export interface TailerEvents {
  /**
   * `chunk` ends at byte `offset` of the file. Called in order, never concurrently. The chunk is
   * only valid during the call: copy what must outlive it.
   */
  data(chunk: Buffer, offset: number): void;
  /** The file shrank below our offset: it was truncated or replaced; reading restarts at 0. */
  truncated?(): void;
  error?(err: Error): void;
}

/**
 * Reads start with a 64 KiB buffer of the tailer's own, enough for the appends of one wake even
 * under a flood of 10,000 lines/s; a read that fills it means a backlog, and the rest of that loop
 * reads 256 KiB at a time into a buffer lent for that loop (by all servers' tailers' shared pool,
 * see BufferPool). 40 tailers (20 servers) kept 10 MB of 256 KiB buffers resident before.
 */
const SMALL_BLOCK = 64 * 1024;
/** Safety-net poll: slow when inotify events arrive, quick where the filesystem has none. */
const POLL_MS_WATCHED = 5000;
const POLL_MS_UNWATCHED = 250;

export class FileTailer {
  private fd: number | undefined;
  private watcher: fs.FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reading = false;
  private again = false;
  private stopped = false;
  private readonly small = Buffer.allocUnsafe(SMALL_BLOCK);
  /** The backlog buffer of the read loop running now, if it found a backlog. */
  private large: Buffer | undefined;

  /**
   * `turns` shares the loop with other tailers (see TurnBudget); without it a read is handled at
   * once. `backlog` lends the buffers for reading a backlog.
   */
  constructor(
    private readonly file: string,
    private position: number,
    private readonly on: TailerEvents,
    private readonly turns?: TurnBudget,
    private readonly backlog = new BufferPool(BACKLOG_READ_BYTES, 0),
  ) {}

  get offset(): number {
    return this.position;
  }

  start(): void {
    this.fd = fs.openSync(this.file, fs.constants.O_RDONLY | fs.constants.O_CREAT, 0o600);
    try {
      this.watcher = fs.watch(this.file, () => this.kick());
      this.watcher.on('error', () => undefined);
    } catch {
      // No inotify here: the quicker poll below finds new data.
    }
    // A cheap size check first: an idle server's poll then costs one fstat, not a read.
    this.timer = setInterval(() => {
      if (this.fileSize() !== this.position) this.kick();
    }, this.watcher ? POLL_MS_WATCHED : POLL_MS_UNWATCHED);
    this.timer.unref();
    this.kick();
  }

  /** Reads everything written so far; resolves once the tailer has caught up with the file. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      // Only start a read when none is in flight: nudging a running read loop on every tick
      // would keep it re-reading at end of file forever.
      if (!this.reading) {
        if (this.fileSize() <= this.position) return;
        this.kick();
      }
      await new Promise((r) => setImmediate(r));
    }
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    if (this.fd !== undefined && !this.reading) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    // Once per wake rather than per block: an fstat per read was a tenth of the thread's time
    // under a flood of small appends.
    if (this.fileSize() < this.position) {
      this.position = 0;
      this.on.truncated?.();
    }
    this.readLoop();
  }

  private fileSize(): number {
    try {
      return this.fd === undefined ? 0 : fs.fstatSync(this.fd).size;
    } catch {
      return 0;
    }
  }

  private readLoop(): void {
    if (this.stopped || this.fd === undefined) return this.finish();
    const buf = this.large ?? this.small;
    fs.read(this.fd, buf, 0, buf.length, this.position, (err, bytes) => {
      if (this.turns) this.turns.run(() => this.handleRead(buf, err, bytes));
      else this.handleRead(buf, err, bytes);
    });
  }

  private handleRead(buf: Buffer, err: NodeJS.ErrnoException | null, bytes: number): void {
    if (err) {
      this.on.error?.(err);
      return this.finish();
    }
    if (bytes === 0) {
      if (this.again) {
        this.again = false;
        return this.readLoop();
      }
      return this.finish();
    }
    this.position += bytes;
    // Not copied: a 256 KiB copy per block was a twentieth of the daemon's time under a log
    // flood. The chunk is valid during the call only; the next block is read into the same buffer.
    this.on.data(buf.subarray(0, bytes), this.position);
    // A short read of a regular file is its end: asking again would only read nothing. Appends
    // made meanwhile set `again` through the watcher.
    if (bytes === buf.length) {
      this.large ??= this.backlog.take();
      return this.readLoop();
    }
    if (this.again) {
      this.again = false;
      return this.readLoop();
    }
    this.finish();
  }

  private finish(): void {
    this.reading = false;
    if (this.large) this.backlog.give(this.large);
    this.large = undefined;
    if (this.stopped && this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
