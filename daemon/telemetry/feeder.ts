/**
 * Feeds one store from the JSONL segments: read from the store's checkpoint, insert the batch with
 * the checkpoint after it, repeat. Reading is bounded (a few MB at a time), so a slow store makes
 * the feeder lag on disk instead of growing memory; a failing store (ClickHouse down) is retried
 * with backoff from the same checkpoint, and the segments are the buffer meanwhile.
 */
import type { LogRecord, TelemetryRecord } from '../../shared/telemetry/model';
import { expandLines, linesProblem, type SegmentRecord, type ServerLinesRecord } from '../../shared/telemetry/serverLines';
import type { Checkpoint, InsertBatch, SegmentLine, TelemetryStore } from '../../shared/telemetry/query';
import type { Logger } from '../log';
import type { Quarantine, QuarantineEntry } from './quarantine';
import { ReadScratch, readSegments, segmentName } from './segments';

export interface FeederOptions {
  store: TelemetryStore;
  segmentsDir: string;
  quarantine: Quarantine;
  log: Logger;
  /** Bytes of segment read per batch. */
  batchBytes?: number;
}

export interface Loaded {
  from: Checkpoint;
  next: Checkpoint;
  batch: InsertBatch;
  bad: QuarantineEntry[];
}

/**
 * A store that reads and parses the segments itself (the local store in its worker thread): under
 * a log flood, parsing every line and copying the records to the worker were the daemon thread's
 * largest cost after reading the logs.
 */
export interface SelfFeedingStore {
  feedFrom(segmentsDir: string, from: Checkpoint, maxBytes: number): Promise<{ next: Checkpoint; bad: QuarantineEntry[] }>;
}

function selfFeeding(store: TelemetryStore): store is TelemetryStore & SelfFeedingStore {
  return typeof (store as Partial<SelfFeedingStore>).feedFrom === 'function';
}

const BATCH_BYTES = 4 * 1024 * 1024;
const MAX_RETRY_MS = 10_000;
const LOCAL_BATCH_BYTES = 1024 * 1024;

function samePosition(a: Checkpoint, b: Checkpoint): boolean {
  return a.segment === b.segment && a.offset === b.offset;
}

const IDLE_POLL_MS = 10_000;

export class Feeder {
  private stopped = false;
  private wake: (() => void) | undefined;
  private pendingWake = false;
  private position: Checkpoint | undefined;
  private failures = 0;
  /** Segment reads reuse one buffer (see ReadScratch). */
  private readonly scratch = new ReadScratch();
  private loop: Promise<void> | undefined;
  /** The batch after the one being inserted, read ahead. */
  private ahead: Loaded | undefined;
  lastError: string | undefined;

  constructor(private readonly opts: FeederOptions) {}

  start(): void {
    this.loop = this.run();
  }

  /** New data was appended: read it now rather than at the next poll. */
  notify(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  /** Where this store has read up to (for segment retention). */
  checkpoint(): Checkpoint | undefined {
    return this.position;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { store, log } = this.opts;
    while (!this.stopped) {
      try {
        this.position ??= (await store.checkpoint()) ?? { segment: 0, offset: 0 };
        const moved = await this.step(this.position);
        if (this.failures > 0) log.info(`telemetry store ${store.backend} is accepting data again`);
        this.failures = 0;
        this.lastError = undefined;
        // Appends wake the feeder at once; the poll is only a safety net, and at one a second it
        // was a tenth of an idle daemon's CPU (a message to the store's worker and a segment listing).
        if (!moved) await this.sleep(IDLE_POLL_MS);
        // The local store answers without real I/O; yield so a backlog does not starve sockets and timers.
        else await new Promise<void>((resolve) => setImmediate(resolve));
      } catch (err) {
        this.failures++;
        this.lastError = (err as Error).message;
        // At most 10 s apart: a retry against a stopped ClickHouse is one refused connection, and
        // with 30 s a store that came back waited up to half a minute before catching up.
        const delay = Math.min(MAX_RETRY_MS, 250 * 2 ** Math.min(this.failures, 6));
        if (this.failures === 1 || this.failures % 20 === 0) {
          log.warn(`telemetry store ${store.backend}: insert failed (${this.lastError}); retrying in ${delay} ms, data waits in the segments`);
        }
        await this.sleep(delay);
      }
    }
  }

  /**
   * Inserts the next batch; false when there was nothing new. While the store works on a batch
   * (ClickHouse does most of it in its own process), the next one is read and parsed, so the two
   * overlap. Lines that cannot be used are quarantined once their batch is in: a failed insert is
   * retried from the same checkpoint and must not quarantine them twice.
   */
  private async step(from: Checkpoint): Promise<boolean> {
    this.pendingWake = false;
    const { store, segmentsDir } = this.opts;
    if (selfFeeding(store)) {
      const fed = await store.feedFrom(segmentsDir, from, this.batchBytes);
      for (const bad of fed.bad) this.opts.quarantine.add(bad);
      this.position = fed.next;
      return !samePosition(fed.next, from);
    }
    const ahead = this.ahead;
    this.ahead = undefined;
    const cur = ahead && samePosition(ahead.from, from) ? ahead : this.load(from);
    if (samePosition(cur.next, from)) return false;
    const inserted = this.opts.store.insert(cur.batch, cur.next);
    let next: Loaded | undefined;
    try {
      next = this.load(cur.next);
    } finally {
      await inserted;
    }
    for (const bad of cur.bad) this.opts.quarantine.add(bad);
    this.position = cur.next;
    if (!samePosition(next.next, cur.next)) this.ahead = next;
    return true;
  }

  /**
   * Bytes read per batch. The local store parses and inserts on one thread, where a 4 MiB batch
   * of parsed records outlived several young-generation collections and was copied and promoted:
   * 1 MiB batches gave 75,000-87,000 spans per CPU-second against 58,000-65,000 (300,000 spans,
   * load 13-17). ClickHouse pays per request, so it keeps larger batches.
   */
  private get batchBytes(): number {
    return this.opts.batchBytes ?? (this.opts.store.backend === 'local' ? LOCAL_BATCH_BYTES : BATCH_BYTES);
  }

  private load(from: Checkpoint): Loaded {
    return loadBatch(this.opts.segmentsDir, from, this.batchBytes, this.scratch);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped || this.pendingWake) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).then(() => {
      this.wake = undefined;
    });
  }
}

/** Reads and parses the batch that starts at `from`, sorted by record type; unusable lines apart. */
export function loadBatch(segmentsDir: string, from: Checkpoint, maxBytes: number, scratch?: ReadScratch): Loaded {
  const chunk = readSegments(segmentsDir, from, maxBytes, scratch);
  const spanLines: SegmentLine[] = [];
  const batch: InsertBatch = { spans: [], logs: [], metrics: [], scores: [], spanLines, from };
  const bad: QuarantineEntry[] = [];
  for (const line of chunk.lines) {
    const rec = parseSegmentLine(line.text);
    if (typeof rec === 'string') {
      bad.push({ source: `${segmentsDir}/${segmentName(line.segment)}@${line.offset}`, reason: rec, text: line.text });
      continue;
    }
    if (Array.isArray(rec)) {
      for (const l of rec) batch.logs.push(l);
    } else if (rec.t === 'span') {
      batch.spans.push(rec);
      spanLines.push(line);
    } else if (rec.t === 'log') batch.logs.push(rec);
    else if (rec.t === 'metric') batch.metrics.push(rec);
    else batch.scores.push(rec);
  }
  return { from, next: chunk.next, batch, bad };
}

/** A segment line back into a record (a `lines` block into its log records), or the reason it is not one. */
export function parseSegmentLine(text: string): TelemetryRecord | LogRecord[] | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  const r = v as Partial<SegmentRecord> | null;
  if (!r || typeof r !== 'object') return 'not an object';
  switch (r.t) {
    case 'lines':
      return linesProblem(r) ?? expandLines(r as ServerLinesRecord);
    case 'span':
      return typeof r.traceId === 'string' && typeof r.spanId === 'string' && typeof r.startTimeUnixNano === 'string' ? (r as TelemetryRecord) : 'span without traceId, spanId or start';
    case 'log':
    case 'metric':
    case 'score':
      return typeof r.id === 'string' && typeof r.timeUnixNano === 'string' ? (r as TelemetryRecord) : `${r.t} without id or time`;
    default:
      return `unknown record type ${JSON.stringify(r.t)}`;
  }
}
