/**
 * The local store as the daemon uses it: the real `LocalStore` runs in a worker thread (see
 * storeWorker.ts for why) and this proxy forwards each call. If the worker dies, pending calls
 * fail with the reason and the next call starts a fresh worker, which reopens the snapshot; the
 * feeder's checkpoints make the replay exact.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LogRecord, ScoreRecord } from '../../../shared/telemetry/model';
import type {
  Checkpoint, GetTraceParams, GetTraceResult, InsertBatch, ListScoresParams, ListTracesParams, ListMetricsParams, MetricInfo, MetricSeriesParams, MetricSeriesResult,
  Page, RetentionPolicy, SearchLogsParams, ServerStatsParams, ServerStatsResult, StoreStats, TelemetryStore, TraceSummary,
} from '../../../shared/telemetry/query';
import type { Logger } from '../../log';
import type { SelfFeedingStore } from '../../telemetry/feeder';
import { LocalStore, type LocalStoreOptions } from './localStore';
import type { FedBatch, StoreCall, StoreReply, StoreWorkerData } from './storeWorker';

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** The worker bundle sits beside the daemon bundle; from sources (tests) there is none. */
export function workerScript(dir = __dirname): string | undefined {
  const file = path.join(dir, 'localStoreWorker.js');
  return fs.existsSync(file) ? file : undefined;
}

/** A worker-backed store where the worker bundle exists, the store on this thread otherwise. */
export async function openLocalStore(opts: LocalStoreOptions): Promise<TelemetryStore> {
  const script = workerScript();
  if (!script) return LocalStore.open(opts);
  const { log, ...data } = opts;
  const store = new WorkerStore(script, data, log);
  await store.started();
  return store;
}

export class WorkerStore implements TelemetryStore, SelfFeedingStore {
  readonly backend = 'local' as const;
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly script: string, private readonly data: StoreWorkerData, private readonly log: Logger) {}

  started(): Promise<void> {
    this.ready ??= this.spawn();
    return this.ready;
  }

  insert(batch: InsertBatch, checkpoint: Checkpoint): Promise<void> { return this.call('insert', batch, checkpoint); }
  /** The worker reads, parses and inserts the next batch itself (see `SelfFeedingStore`). */
  feedFrom(segmentsDir: string, from: Checkpoint, maxBytes: number): Promise<FedBatch> { return this.call('feedFrom', segmentsDir, from, maxBytes); }
  checkpoint(): Promise<Checkpoint | undefined> { return this.call('checkpoint'); }
  listTraces(p: ListTracesParams): Promise<Page<TraceSummary>> { return this.call('listTraces', p); }
  getTrace(p: GetTraceParams): Promise<GetTraceResult> { return this.call('getTrace', p); }
  searchLogs(p: SearchLogsParams): Promise<Page<LogRecord>> { return this.call('searchLogs', p); }
  metricSeries(p: MetricSeriesParams): Promise<MetricSeriesResult> { return this.call('metricSeries', p); }
  listMetrics(p: ListMetricsParams): Promise<MetricInfo[]> { return this.call('listMetrics', p); }
  serverStats(p: ServerStatsParams): Promise<ServerStatsResult> { return this.call('serverStats', p); }
  listScores(p: ListScoresParams): Promise<Page<ScoreRecord>> { return this.call('listScores', p); }
  stats(): Promise<StoreStats> { return this.call('stats'); }
  applyRetention(policy: RetentionPolicy, nowMs: number): Promise<number> { return this.call('applyRetention', policy, nowMs); }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.worker) await this.call('close');
    } finally {
      this.closed = true;
      await this.worker?.terminate();
      this.worker = undefined;
    }
  }

  private async call<T>(method: string, ...args: unknown[]): Promise<T> {
    if (this.closed) throw new Error('the local telemetry store is closed');
    await this.started();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker!.postMessage({ id, method, args } satisfies StoreCall);
    });
  }

  private spawn(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // A young generation of 8 MB instead of V8's default: the thread's heap peaked at 29 MB
      // against 40–44 under a log flood, at the same ingest rate (bench/log-load.ts).
      const worker = new Worker(this.script, { workerData: this.data, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
      this.worker = worker;
      worker.on('message', (m: StoreReply) => {
        if ('ready' in m) resolve();
        else if ('failed' in m) reject(new Error(m.failed));
        else if ('log' in m) this.log[m.log](m.message);
        else this.settle(m);
      });
      worker.on('error', (err) => this.log.error(`local telemetry store worker failed: ${err.stack ?? err.message}`));
      worker.on('exit', (code) => {
        reject(new Error(`the local telemetry store worker exited (code ${code}) while opening`));
        this.lost(code);
      });
    });
  }

  private settle(m: { id: number; result?: unknown; error?: string }): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(m.error));
    else p.resolve(m.result);
  }

  private lost(code: number): void {
    this.worker = undefined;
    this.ready = undefined;
    const err = new Error(`the local telemetry store worker exited (code ${code}); it restarts on the next call`);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    if (!this.closed) this.log.error(err.message);
  }
}
