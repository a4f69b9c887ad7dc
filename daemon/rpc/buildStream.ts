/**
 * Delivers build events to one subscriber connection in order, without letting a slow reader
 * grow the daemon's memory: one notification in flight at a time, consecutive log lines of a
 * build merged into batches of up to 1,000, and beyond `maxPending` lines the oldest are dropped
 * and counted (the reader can fetch them with `logs`).
 */
import type { BuildLogLine, BuildRecord } from '../../shared/protocol';
import type { BuildEvent } from '../builds/service';

export type Outgoing =
  | { kind: 'changed'; build: BuildRecord }
  | { kind: 'log'; buildId: string; projectId: string; lines: BuildLogLine[]; dropped: number };

const BATCH_LINES = 1000;

export class BuildStream {
  private readonly pending: Outgoing[] = [];
  private pendingLines = 0;
  private sending = false;
  private closed = false;

  constructor(
    private readonly send: (item: Outgoing) => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly maxPending = 20_000,
  ) {}

  push(e: BuildEvent): void {
    if (this.closed) return;
    if (e.kind === 'changed') this.pending.push({ kind: 'changed', build: e.build });
    else this.pushLines(e.build, e.lines);
    this.dropOverflow();
    void this.drain();
  }

  close(): void {
    this.closed = true;
    this.pending.length = 0;
  }

  private pushLines(build: BuildRecord, lines: BuildLogLine[]): void {
    const last = this.pending[this.pending.length - 1];
    let rest = lines;
    if (last?.kind === 'log' && last.buildId === build.id && last.lines.length < BATCH_LINES) {
      const room = BATCH_LINES - last.lines.length;
      last.lines.push(...rest.slice(0, room));
      rest = rest.slice(room);
    }
    for (let i = 0; i < rest.length; i += BATCH_LINES) {
      this.pending.push({ kind: 'log', buildId: build.id, projectId: build.projectId, lines: rest.slice(i, i + BATCH_LINES), dropped: 0 });
    }
    this.pendingLines += lines.length;
  }

  /** Drops the oldest queued lines over the limit; the next batch of that build reports how many. */
  private dropOverflow(): void {
    while (this.pendingLines > this.maxPending) {
      const i = this.pending.findIndex((p) => p.kind === 'log');
      const item = this.pending[i] as Extract<Outgoing, { kind: 'log' }>;
      const n = Math.min(item.lines.length, this.pendingLines - this.maxPending);
      item.lines.splice(0, n);
      item.dropped += n;
      this.pendingLines -= n;
      if (item.lines.length === 0) {
        this.pending.splice(i, 1);
        const next = this.pending.find((p): p is Extract<Outgoing, { kind: 'log' }> => p.kind === 'log' && p.buildId === item.buildId);
        if (next) next.dropped += item.dropped;
      }
    }
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (!this.closed && this.pending.length) {
        const item = this.pending.shift()!;
        if (item.kind === 'log') this.pendingLines -= item.lines.length;
        await this.send(item);
      }
    } catch (err) {
      this.closed = true;
      this.onError(err);
    } finally {
      this.sending = false;
    }
  }
}
