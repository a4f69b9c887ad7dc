/**
 * The telemetry service: every source appends normalized records to Runlens's JSONL segments, and
 * one feeder per store moves them into the store with checkpoints.
 *
 * Public API for other daemon services (builds, server log tailer, health poller):
 *   telemetry.ingestLogs([{ timeUnixNano, level, message, source: 'build' | 'server', serverId, ... }])
 *   telemetry.ingestMetrics([{ name: 'process.cpu.utilization', kind: 'gauge', value, timeUnixNano, serverId, attributes }])
 *   telemetry.registerRun({ serverId, runId, serviceName, mastra }) → environment variables for the
 *     child (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME and, for Mastra, MASTRA_CLOUD_*), and
 *     starts watching the run's `observability/` folder when given.
 *   telemetry.adoptRun(req, env) for a run an earlier daemon started (env: the run's environment).
 *   telemetry.endRun(runId) when the run stops.
 * `await telemetry.ready` before `registerRun`: the OTLP port is known only then. The ingest calls
 * work at once.
 * Pass an `id` that is stable for the same input (file and byte offset, say) where a replay is
 * possible, so the stores can drop repeats; without one a random id is used. Calls are cheap and
 * synchronous: records are on disk when they return.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LogRecord, MetricPoint, TelemetryRecord } from '../../shared/telemetry/model';
import type { SegmentRecord, ServerLinesRecord } from '../../shared/telemetry/serverLines';
import type { TelemetryStore } from '../../shared/telemetry/query';
import type { Logger } from '../log';
import { openLocalStore } from '../stores/local/workerStore';
import { Feeder } from './feeder';
import { MastraJsonlWatcher } from './mastra/watcher';
import { compact, RunRegistry } from './origins';
import { Quarantine } from './quarantine';
import { Receiver } from './otlp/receiver';
import { createRoutes } from './routes';
import { SegmentWriteError, SegmentWriter } from './segments';
import { loadSettings, type TelemetrySettings } from './settings';
import { pruneSegments } from './retention';

export type NewLog = Omit<LogRecord, 't' | 'id'> & { id?: string };
export type NewMetric = Omit<MetricPoint, 't' | 'id'> & { id?: string };

export interface TelemetryDeps {
  home: string;
  log: Logger;
  /** Opens the ClickHouse store; injected so the service does not depend on its client. */
  openClickHouse?: (settings: NonNullable<TelemetrySettings['clickhouse']>, log: Logger, stateDir: string) => Promise<TelemetryStore>;
}

export interface RunEnvironmentRequest {
  serverId: string;
  runId: string;
  serviceName: string;
  /** The run's `observability/` folder, for Mastra JSONL. */
  observabilityDir?: string;
  /** Also hand out the Mastra cloud-exporter variables. */
  mastra?: boolean;
}

export class TelemetryService {
  readonly runs = new RunRegistry();
  readonly quarantine: Quarantine;
  readonly dir: string;
  settings: TelemetrySettings;
  /** Why incoming telemetry cannot be written to the segments right now (disk full), if it cannot. */
  ingestError: string | undefined;
  private readonly writer: SegmentWriter;
  private readonly receiver: Receiver;
  private readonly watcher: MastraJsonlWatcher;
  private readonly feeders = new Map<'local' | 'clickhouse', Feeder>();
  private readonly unsubscribe = new Map<'local' | 'clickhouse', () => void>();
  private readonly stores = new Map<'local' | 'clickhouse', TelemetryStore>();
  private retentionTimer: NodeJS.Timeout | undefined;
  /** Settles once stores, receiver and watcher are up. */
  ready: Promise<void> = Promise.resolve();

  private constructor(private readonly deps: TelemetryDeps) {
    this.dir = path.join(deps.home, 'telemetry');
    fs.mkdirSync(this.dir, { recursive: true });
    const { settings, problem } = loadSettings(path.join(this.dir, 'settings.json'));
    if (problem) deps.log.warn(`telemetry settings: ${problem}`);
    this.settings = settings;
    this.quarantine = new Quarantine(path.join(this.dir, 'quarantine.jsonl'), deps.log);
    this.writer = new SegmentWriter(this.segmentsDir);
    const sink = (records: TelemetryRecord[]): void => this.append(records, true);
    this.receiver = new Receiver(createRoutes({ runs: this.runs, quarantine: this.quarantine, sink }), deps.log);
    this.watcher = new MastraJsonlWatcher({
      dirs: [path.join(deps.home, 'projects'), ...settings.watchDirs],
      projectsDir: path.join(deps.home, 'projects'),
      stateFile: path.join(this.dir, 'sources.json'),
      runs: this.runs,
      quarantine: this.quarantine,
      sink,
      log: deps.log,
    });
  }

  /**
   * Creates the service at once (sources can append from now on) and opens stores, receiver and
   * watcher in the background, so the daemon listens without waiting for a large snapshot to load.
   */
  static create(deps: TelemetryDeps): TelemetryService {
    const svc = new TelemetryService(deps);
    svc.ready = TelemetryService.init(svc, deps);
    svc.ready.catch((err: unknown) => deps.log.error(`telemetry failed to start: ${(err as Error).stack ?? String(err)}`));
    return svc;
  }

  /** Creates the service and waits until it is ready. */
  static async start(deps: TelemetryDeps): Promise<TelemetryService> {
    const svc = TelemetryService.create(deps);
    await svc.ready;
    return svc;
  }

  private static async init(svc: TelemetryService, deps: TelemetryDeps): Promise<void> {
    const local = await openLocalStore({ snapshotFile: path.join(deps.home, 'index', 'local.sqlite'), segmentsDir: svc.segmentsDir, maxLogs: svc.settings.retention.maxLogs, log: deps.log });
    svc.attach(local);
    if (svc.settings.clickhouse) await svc.connectClickHouse();
    const port = await svc.receiver.listen(svc.settings.otlpPort);
    deps.log.info(`OTLP receiver listening on ${svc.otlpEndpoint()}`);
    svc.watcher.start();
    svc.retentionTimer = setInterval(() => void svc.applyRetention(), 60_000);
    svc.retentionTimer.unref();
    if (port !== svc.settings.otlpPort && svc.settings.otlpPort !== 0) deps.log.info(`OTLP port ${svc.settings.otlpPort} was taken; using ${port}`);
  }

  get segmentsDir(): string {
    return path.join(this.dir, 'segments');
  }

  /** False until the receiver has its port. */
  listening(): boolean {
    return this.receiver.port !== 0;
  }

  otlpEndpoint(): string {
    return `http://127.0.0.1:${this.receiver.port}`;
  }

  /** The store that answers queries: the configured backend, or the one asked for. */
  store(backend?: 'local' | 'clickhouse'): TelemetryStore {
    const want = backend ?? this.settings.backend;
    const s = this.stores.get(want);
    if (!s) throw new Error(`the ${want} telemetry store is not configured; set runlens.telemetry.backend and the ClickHouse URL`);
    return s;
  }

  /** Per store: last insert error, if it is failing (ClickHouse down, say). */
  storeErrors(): Record<string, string | undefined> {
    return Object.fromEntries([...this.feeders].map(([k, f]) => [k, f.lastError]));
  }

  ingest(records: TelemetryRecord[]): void {
    this.append(records, true);
  }

  /**
   * Appends to the segments. When they cannot be written (the disk is full) the problem is kept
   * for `telemetry/stats` and logged once; `refuse` rethrows it, so an OTLP sender is told to send
   * again. Server log lines and metrics are dropped from telemetry meanwhile (the log files keep
   * the lines), so a full disk never stops the log tailer that feeds them.
   */
  private append(records: readonly SegmentRecord[], refuse = false): void {
    try {
      this.writer.append(records);
      if (this.ingestError) this.deps.log.info('telemetry segments can be written again');
      this.ingestError = undefined;
    } catch (err) {
      if (!(err instanceof SegmentWriteError)) throw err;
      if (!this.ingestError) this.deps.log.error(err.message);
      this.ingestError = err.message;
      if (refuse) throw err;
    }
  }

  // No `compact` here: these records only go to JSON.stringify, which drops undefined fields, and
  // deleting keys from every record of a log flood costs more than the rest of the append. The
  // records are completed in place rather than copied: callers build them for this call only, and
  // a copy per line of a log flood was a tenth of the daemon's CPU.
  ingestLogs(logs: NewLog[]): void {
    for (const l of logs) {
      (l as LogRecord).t = 'log';
      l.id ??= crypto.randomUUID();
    }
    this.append(logs as LogRecord[]);
  }

  /** Server output blocks; the stores expand them into one log record per line. */
  ingestLines(blocks: readonly ServerLinesRecord[]): void {
    this.append(blocks);
  }

  ingestMetrics(points: readonly NewMetric[]): void {
    this.append(points.map((p) => ({ ...p, t: 'metric', id: p.id ?? crypto.randomUUID() }) as MetricPoint));
  }

  registerRun(req: RunEnvironmentRequest): Record<string, string> {
    const token = this.runs.register(req);
    if (req.observabilityDir) this.watcher.add(req.observabilityDir);
    const env: Record<string, string> = {
      OTEL_EXPORTER_OTLP_ENDPOINT: this.otlpEndpoint(),
      OTEL_SERVICE_NAME: req.serviceName,
      OTEL_RESOURCE_ATTRIBUTES: `runlens.server.id=${encodeURIComponent(req.serverId)},runlens.run.id=${encodeURIComponent(req.runId)}`,
    };
    if (req.mastra) {
      // Current Mastra exporters take a full traces publish URL and derive the other signals from it.
      env.MASTRA_CLOUD_TRACES_ENDPOINT = `${this.otlpEndpoint()}/mastra/ai/spans/publish`;
      env.MASTRA_CLOUD_ACCESS_TOKEN = token;
    }
    return env;
  }

  /**
   * Takes back a run an earlier daemon started, from the environment it was started with: its
   * Mastra token stays valid, and the port its exporters send to is listened on if it is not ours.
   */
  async adoptRun(req: RunEnvironmentRequest, env: Record<string, string>): Promise<void> {
    this.runs.register(req, req.mastra ? env.MASTRA_CLOUD_ACCESS_TOKEN : undefined);
    if (req.observabilityDir) this.watcher.add(req.observabilityDir);
    await this.ready;
    const port = Number(/^http:\/\/127\.0\.0\.1:(\d+)$/.exec(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '')?.[1]);
    if (port > 0 && port < 65536) await this.receiver.alsoListen(port);
  }

  endRun(runId: string): void {
    this.runs.unregister(runId);
  }

  /** Applies new settings from the extension; (re)connects ClickHouse when its settings changed. */
  async configure(next: Partial<TelemetrySettings>): Promise<void> {
    const chChanged = next.clickhouse !== undefined && JSON.stringify(next.clickhouse) !== JSON.stringify(this.settings.clickhouse);
    this.settings = { ...this.settings, ...compact({ ...next }) };
    if (chChanged) await this.connectClickHouse();
  }

  async applyRetention(nowMs = Date.now()): Promise<void> {
    for (const [backend, store] of this.stores) {
      try {
        const removed = await store.applyRetention(this.settings.retention, nowMs);
        if (removed > 0) this.deps.log.info(`retention: removed ${removed} spans from the ${backend} store`);
      } catch (err) {
        this.deps.log.warn(`retention on the ${backend} store failed: ${(err as Error).message}`);
      }
    }
    pruneSegments(this.segmentsDir, this.writer.position().segment, [...this.feeders.values()].map((f) => f.checkpoint()), this.settings.retention, nowMs, this.deps.log);
  }

  async stop(): Promise<void> {
    await this.ready.catch(() => undefined);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.receiver.close();
    await this.watcher.stop();
    for (const f of this.feeders.values()) await f.stop();
    for (const s of this.stores.values()) await s.close();
    this.writer.close();
  }

  private attach(store: TelemetryStore): void {
    this.stores.set(store.backend, store);
    const feeder = new Feeder({ store, segmentsDir: this.segmentsDir, quarantine: this.quarantine, log: this.deps.log });
    this.feeders.set(store.backend, feeder);
    this.unsubscribe.set(store.backend, this.writer.onAppend(() => feeder.notify()));
    feeder.start();
  }

  private async connectClickHouse(): Promise<void> {
    const old = this.feeders.get('clickhouse');
    if (old) {
      this.unsubscribe.get('clickhouse')?.();
      await old.stop();
      await this.stores.get('clickhouse')?.close();
      this.feeders.delete('clickhouse');
      this.stores.delete('clickhouse');
    }
    if (!this.settings.clickhouse || !this.deps.openClickHouse) return;
    try {
      this.attach(await this.deps.openClickHouse(this.settings.clickhouse, this.deps.log, this.dir));
    } catch (err) {
      this.deps.log.error(`cannot use ClickHouse at ${this.settings.clickhouse.url}: ${(err as Error).message}; check the URL and credentials in the Runlens settings`);
    }
  }
}
