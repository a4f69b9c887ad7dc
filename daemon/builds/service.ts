/**
 * The build service: a queue of isolated builds run up to a concurrency limit, each with a
 * timeout and a cancel that kills its whole process tree; records and logs on disk, the last N
 * builds of each project kept for rollback; events for live subscribers and for the telemetry
 * pipeline. One instance per daemon, created in daemon/services.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BuildLogLine, BuildRecord } from '../../shared/protocol';
import type { Logger } from '../log';
import { projectIdFor } from '../projects/project';
import { BuildLogWriter, readBuildLog, type ReadOptions } from './buildLog';
import { BuildAborted, say, StepFailure, type BuildContext } from './context';
import { runPipeline } from './pipeline';
import { BuildStore } from './store';
import { killLeftovers } from './processTree';

export const DEFAULT_CONCURRENCY = 2;
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_KEEP = 5;

export interface BuildServiceOptions {
  /** The state directory. */
  home: string;
  log: Logger;
  concurrency?: number;
  timeoutMs?: number;
  /** Builds kept per project unless its runlens.json says otherwise. */
  keep?: number;
  /** Base environment of install and build commands; the daemon's own by default. */
  env?: NodeJS.ProcessEnv;
  /** True for a build a server runs from: retention never deletes it. */
  inUse?: (buildId: string) => boolean;
}

export type BuildEvent =
  | { kind: 'changed'; build: BuildRecord }
  | { kind: 'log'; build: BuildRecord; lines: BuildLogLine[] };

export interface BuildFilter {
  buildId?: string;
  projectId?: string;
}

/** A batch of build output for the telemetry pipeline (log records with `source: build`). */
export interface BuildLogBatch {
  buildId: string;
  projectId: string;
  projectName: string;
  lines: BuildLogLine[];
}

/**
 * Daemon-wide defaults from the environment the daemon starts with: `RUNLENS_BUILD_CONCURRENCY`,
 * `RUNLENS_BUILD_TIMEOUT_MS`, `RUNLENS_BUILD_KEEP`. A project's runlens.json overrides timeout and keep.
 */
export function buildSettingsFromEnv(env: NodeJS.ProcessEnv, log: Logger): Pick<BuildServiceOptions, 'concurrency' | 'timeoutMs' | 'keep'> {
  const read = (name: string, min: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (Number.isInteger(n) && n >= min) return n;
    log.warn(`ignoring ${name}=${raw}: expected a whole number of at least ${min}`);
    return undefined;
  };
  return { concurrency: read('RUNLENS_BUILD_CONCURRENCY', 1), timeoutMs: read('RUNLENS_BUILD_TIMEOUT_MS', 1000), keep: read('RUNLENS_BUILD_KEEP', 1) };
}

/** A request the caller can fix (unknown build, folder that is no project). */
export class BuildRequestError extends Error {}

type AbortReason = 'cancel' | 'timeout' | 'shutdown';

interface Active {
  controller: AbortController;
  done: Promise<void>;
  timer?: NodeJS.Timeout;
}

export class BuildService {
  private readonly store: BuildStore;
  private readonly records = new Map<string, BuildRecord>();
  private readonly queue: string[] = [];
  private readonly active = new Map<string, Active>();
  private readonly keepByProject = new Map<string, number>();
  private readonly listeners = new Set<{ filter: BuildFilter; fn: (e: BuildEvent) => void }>();
  private readonly logSinks = new Set<(batch: BuildLogBatch) => void>();
  /** Builds whose timeout the request set; runlens.json's does not override it. */
  private readonly explicitTimeout = new Set<string>();
  private stopping = false;
  private lastId = '';

  private constructor(private readonly opts: BuildServiceOptions) {
    this.store = new BuildStore(opts.home, opts.log);
  }

  /** Loads kept builds; builds a previous daemon left queued or running are marked failed. */
  static async create(opts: BuildServiceOptions): Promise<BuildService> {
    const service = new BuildService(opts);
    for (const record of await service.store.loadAll()) {
      if (record.status === 'queued' || record.status === 'running') {
        record.status = 'failed';
        record.endedAt = Date.now();
        record.failure = { step: record.step ?? 'prepare', reason: 'error', message: 'the daemon stopped during this build; build again', tail: [] };
        void service.store.save(record);
        // Its commands lost their output pipe with the daemon, but a quiet child of one keeps running.
        const killed = await killLeftovers(record.dir);
        if (killed) opts.log.warn(`builds: stopped ${killed} process(es) left running by interrupted build ${record.id}`);
      }
      service.records.set(record.id, record);
    }
    const projects = new Set([...service.records.values()].map((r) => r.projectId));
    for (const projectId of projects) await service.removeFiles(service.prune(projectId));
    return service;
  }

  get concurrency(): number {
    return Math.max(1, this.opts.concurrency ?? DEFAULT_CONCURRENCY);
  }

  /**
   * Queues a build of `folder`; resolves with the queued record. `beforeQueue` runs with the new
   * id before any event about the build is emitted, so a subscriber made there misses nothing.
   */
  async start(folderIn: string, opts: { timeoutMs?: number; beforeQueue?: (buildId: string) => void } = {}): Promise<BuildRecord> {
    if (this.stopping) throw new BuildRequestError('the daemon is shutting down; build again once it has restarted');
    const folder = path.resolve(folderIn);
    if (!(await isProjectFolder(folder))) {
      throw new BuildRequestError(`${folder} is not a project folder (no package.json or runlens.json there); pass the folder of a Node or Mastra project`);
    }
    const id = this.newId();
    const projectId = projectIdFor(folder);
    const record: BuildRecord = {
      id,
      projectId,
      projectName: path.basename(folder),
      folder,
      dir: this.store.appDir(projectId, id),
      kind: 'node',
      status: 'queued',
      steps: [],
      queuedAt: Date.now(),
      timeoutMs: opts.timeoutMs ?? this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      warnings: [],
    };
    opts.beforeQueue?.(id);
    this.records.set(id, record);
    if (opts.timeoutMs !== undefined) this.explicitTimeout.add(id);
    this.queue.push(id);
    await this.store.save(record);
    const queued = clone(record);
    this.emit({ kind: 'changed', build: clone(record) });
    this.pump();
    return queued;
  }

  get(buildId: string): BuildRecord {
    return clone(this.require(buildId));
  }

  /** Newest first. */
  list(filter: { projectId?: string } = {}): BuildRecord[] {
    return [...this.records.values()]
      .filter((r) => !filter.projectId || r.projectId === filter.projectId)
      .sort((a, b) => b.queuedAt - a.queuedAt || (a.id < b.id ? 1 : -1))
      .map(clone);
  }

  /** Cancels a queued or running build; resolves once its processes are gone. */
  async cancel(buildId: string): Promise<BuildRecord> {
    const record = this.require(buildId);
    const queued = this.queue.indexOf(buildId);
    if (queued !== -1) {
      this.queue.splice(queued, 1);
      record.status = 'cancelled';
      record.endedAt = Date.now();
      await this.store.save(record);
      this.emit({ kind: 'changed', build: clone(record) });
    }
    const active = this.active.get(buildId);
    if (active) {
      active.controller.abort('cancel' satisfies AbortReason);
      await active.done;
    }
    return clone(record);
  }

  logs(buildId: string, opts: ReadOptions): Promise<BuildLogLine[]> {
    return readBuildLog(this.store.logFile(this.require(buildId)), opts);
  }

  /** Calls `fn` for changes and log batches of matching builds until the returned function is called. */
  subscribe(filter: BuildFilter, fn: (e: BuildEvent) => void): () => void {
    const entry = { filter, fn };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /**
   * Every batch of build output, for the telemetry pipeline to store as log records with
   * `source: build` and the build id, beside the apps' own logs.
   */
  onLogLines(sink: (batch: BuildLogBatch) => void): () => void {
    this.logSinks.add(sink);
    return () => this.logSinks.delete(sink);
  }

  /** Cancels queued and running builds (their processes are killed) and flushes records. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const id of this.queue.splice(0)) {
      const r = this.records.get(id)!;
      r.status = 'cancelled';
      r.endedAt = Date.now();
      void this.store.save(r);
    }
    for (const a of this.active.values()) a.controller.abort('shutdown' satisfies AbortReason);
    await Promise.all([...this.active.values()].map((a) => a.done));
    await this.store.flush();
  }

  /** Waits until no build is queued or running and background deletes are done (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.active.size || this.queue.length) await Promise.all([...this.active.values()].map((a) => a.done));
    await this.store.idle();
  }

  private pump(): void {
    while (!this.stopping && this.active.size < this.concurrency && this.queue.length) {
      const id = this.queue.shift()!;
      const controller = new AbortController();
      const active: Active = { controller, done: Promise.resolve() };
      this.active.set(id, active);
      active.done = this.run(this.records.get(id)!, active).catch((err: unknown) => {
        this.opts.log.error(`builds: ${id} crashed: ${(err as Error)?.stack ?? String(err)}`);
      });
    }
  }

  private async run(record: BuildRecord, active: Active): Promise<void> {
    record.status = 'running';
    record.startedAt = Date.now();
    const arm = (ms: number): void => {
      clearTimeout(active.timer);
      record.timeoutMs = ms;
      const left = Math.max(0, record.startedAt! + ms - Date.now());
      active.timer = setTimeout(() => active.controller.abort('timeout' satisfies AbortReason), left);
    };
    arm(record.timeoutMs);
    const explicitTimeout = this.explicitTimeout.has(record.id);
    this.explicitTimeout.delete(record.id);
    const log = new BuildLogWriter(this.store.logFile(record), (lines) => this.onLines(record, lines));
    const ctx: BuildContext = {
      record,
      appDir: record.dir,
      log,
      signal: active.controller.signal,
      baseEnv: this.opts.env ?? process.env,
      exclude: [this.opts.home],
      changed: () => {
        void this.store.save(record);
        this.emit({ kind: 'changed', build: clone(record) });
      },
      onProject: (project) => {
        const build = project.config?.build;
        if (build?.keep) this.keepByProject.set(record.projectId, build.keep);
        if (build?.timeoutMs && !explicitTimeout) arm(build.timeoutMs);
      },
    };
    await fs.promises.mkdir(path.dirname(record.dir), { recursive: true, mode: 0o700 });
    try {
      await runPipeline(ctx);
      record.status = 'succeeded';
    } catch (err) {
      this.fail(ctx, err, active.controller.signal.reason as AbortReason | undefined);
    } finally {
      clearTimeout(active.timer);
      record.endedAt = Date.now();
      const secs = ((record.endedAt - record.startedAt) / 1000).toFixed(1);
      say(ctx, `build ${record.status} in ${secs}s${record.failure ? `: ${record.failure.message}` : ''}`);
      await log.close();
      await this.store.save(record);
      this.active.delete(record.id);
      // Forget pruned builds before announcing the end, so a listing right after it is already trimmed.
      const pruned = this.prune(record.projectId);
      this.emit({ kind: 'changed', build: clone(record) });
      this.pump();
      await this.removeFiles(pruned);
    }
  }

  private fail(ctx: BuildContext, err: unknown, reason: AbortReason | undefined): void {
    const { record } = ctx;
    const step = record.step ?? 'prepare';
    if (err instanceof BuildAborted || reason) {
      if (reason === 'timeout') {
        const minutes = record.timeoutMs >= 60_000 ? `${(record.timeoutMs / 60_000).toFixed(1)} min` : `${(record.timeoutMs / 1000).toFixed(1)} s`;
        record.status = 'failed';
        record.failure = {
          step,
          reason: 'timeout',
          message: `timed out after ${minutes} during the ${step} step; find what hangs in the log, or raise "build": { "timeoutMs" } in runlens.json`,
          tail: ctx.log.tail(step),
        };
      } else {
        record.status = 'cancelled';
      }
      return;
    }
    record.status = 'failed';
    const message = err instanceof StepFailure ? err.message : `internal error: ${(err as Error)?.message ?? String(err)}; see daemon.log`;
    if (!(err instanceof StepFailure)) this.opts.log.error(`builds: ${record.id} failed unexpectedly: ${(err as Error)?.stack ?? String(err)}`);
    record.failure = { step, reason: 'error', message: `${step} failed: ${message}`, tail: ctx.log.tail(step) };
  }

  private onLines(record: BuildRecord, lines: BuildLogLine[]): void {
    if (this.listeners.size) this.emit({ kind: 'log', build: clone(record), lines });
    for (const sink of this.logSinks) {
      try {
        sink({ buildId: record.id, projectId: record.projectId, projectName: record.projectName, lines });
      } catch (err) {
        this.opts.log.error(`builds: log sink failed: ${(err as Error).message}`);
      }
    }
  }

  /** Forgets the oldest finished builds of a project beyond its keep count; returns them for file removal. */
  private prune(projectId: string): BuildRecord[] {
    const keep = this.keepByProject.get(projectId) ?? this.opts.keep ?? DEFAULT_KEEP;
    const pruned: BuildRecord[] = [];
    for (const b of this.list({ projectId }).slice(keep)) {
      if (this.active.has(b.id) || this.queue.includes(b.id) || this.opts.inUse?.(b.id)) continue;
      this.records.delete(b.id);
      pruned.push(b);
    }
    return pruned;
  }

  private async removeFiles(builds: BuildRecord[]): Promise<void> {
    for (const b of builds) {
      await this.store.remove(b).catch((err: unknown) => this.opts.log.warn(`builds: cannot delete ${b.id}: ${(err as Error).message}`));
    }
  }

  private emit(e: BuildEvent): void {
    for (const l of this.listeners) {
      const f = l.filter;
      if (f.buildId && f.buildId !== e.build.id) continue;
      if (f.projectId && f.projectId !== e.build.projectId) continue;
      try {
        l.fn(e);
      } catch (err) {
        this.opts.log.error(`builds: subscriber failed: ${(err as Error).message}`);
      }
    }
  }

  private require(buildId: string): BuildRecord {
    const r = this.records.get(buildId);
    if (!r) throw new BuildRequestError(`there is no build '${buildId}' (it may have been deleted as one of the oldest); list builds with 'runlens builds'`);
    return r;
  }

  /** Sortable by time: `20261127-210806-331-3fa2`; never repeats within this daemon. */
  private newId(): string {
    for (;;) {
      const iso = new Date().toISOString();
      const id = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${iso.slice(20, 23)}-${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`;
      if (id !== this.lastId && !this.records.has(id)) return (this.lastId = id);
    }
  }
}

async function isProjectFolder(folder: string): Promise<boolean> {
  const has = (name: string): Promise<boolean> => fs.promises.access(path.join(folder, name)).then(() => true, () => false);
  return (await has('package.json')) || (await has('runlens.json'));
}

function clone(r: BuildRecord): BuildRecord {
  return structuredClone(r);
}

