/**
 * All supervised servers of this daemon: starting in dependency order, stopping in reverse, port
 * bookkeeping, state saved on every change (and log offsets once a second) so a new daemon adopts
 * the servers of the old one, and `servers/didChange` events for the clients.
 */
import * as path from 'node:path';
import type { HealthDidChangeParams } from '../../shared/protocol/health';
import type { RunInfo, ServerInfo } from '../../shared/protocol/servers';
import { HealthMonitor } from '../health/healthMonitor';
import { TreeSampler, type TreeUsage } from '../health/resources';
import type { Logger } from '../log';
import type { LineSink } from '../logs/serverLog';
import type { PunchHole } from '../logs/logRotation';
import { TurnBudget } from '../logs/turnBudget';
import { RingBudget } from '../logs/ringBudget';
import { logBuffers } from '../logs/bufferPool';
import { ManagedServer, type PortBook } from './managedServer';
import { allocatePort, DEFAULT_PORT_RANGE, type PortRange } from './ports';
import { serverId, type Launch, type ServerSpec } from './spec';
import { listRuns } from './runRecords';
import { readState, stateText, writeState } from './stateFile';

export interface SupervisorDeps {
  stateFile: string;
  /** `<state>/projects` */
  projectsDir: string;
  log: Logger;
  runEnv(spec: ServerSpec, runId: string, runDir: string): Record<string, string> | Promise<Record<string, string>>;
  /** A run ended: telemetry stops watching its folder and its token stops working. */
  runEnded?(runId: string): void;
  /** A run an earlier daemon started was adopted: its telemetry is to be taken back too. */
  runAdopted?(spec: ServerSpec, run: { runId: string; runDir: string; pid: number }): void;
  lineSink?: LineSink;
  ringCapacity?: number;
  portRange?: PortRange;
  /** How often CPU and memory of every server's process tree are sampled. */
  resourceIntervalMs?: number;
  /** Every resource sample, for the metrics pipeline: one call per sampling round, all servers. */
  usageSink?: (samples: readonly UsageSample[], at: number) => void;
  /** Frees rotated heads of live log files; see HolePuncher. */
  punchHole?: PunchHole;
}

export interface UsageSample {
  server: ServerInfo;
  usage: TreeUsage;
}

type Listener = (info: ServerInfo) => void;
type HealthListener = (params: HealthDidChangeParams) => void;

const SAVE_OFFSETS_MS = 1000;

export class Supervisor {
  private readonly servers = new Map<string, ManagedServer>();
  private readonly listeners = new Set<Listener>();
  private readonly taken = new Set<number>();
  private readonly ports: PortBook;
  private readonly saveTimer: NodeJS.Timeout;
  private readonly sampleTimer: NodeJS.Timeout;
  private readonly sampleIntervalMs: number;
  private readonly sampler: TreeSampler;
  /** One for all servers, so a backlog in many logs at once cannot hold the event loop. */
  private readonly readTurns = new TurnBudget();
  /** One for all servers: many servers share a total of log text in memory instead of each keeping 4 MiB. */
  private readonly ringBudget = new RingBudget();
  private readonly logBuffers = logBuffers();
  private lastSaved = '';
  private lastMoved = { key: '', at: 0 };
  private readonly healthListeners = new Set<HealthListener>();
  readonly health: HealthMonitor;

  constructor(private readonly deps: SupervisorDeps) {
    const range = deps.portRange ?? DEFAULT_PORT_RANGE;
    // One allocation at a time: servers start in parallel, and two checks of the same free port
    // before either is taken would hand it to both.
    let allocating: Promise<unknown> = Promise.resolve();
    this.ports = {
      allocate: () => {
        const next = allocating.then(async () => {
          const port = await allocatePort(range, this.taken);
          this.taken.add(port);
          return port;
        });
        allocating = next.catch(() => undefined);
        return next;
      },
      claim: (port) => this.taken.add(port),
      release: (port) => this.taken.delete(port),
    };
    this.health = new HealthMonitor({
      changed: (id, state, reason, last) => {
        const server = this.servers.get(id);
        server?.healthChanged(state, reason);
        if (server) this.emitHealth(server, last?.latencyMs);
      },
      restart: (id, reason) => void this.restartUnhealthy(id, reason),
    });
    // Log offsets move without state changes; save them so a new daemon resumes close to the end.
    // Only read offsets move between changes: a crash loses nothing the kernel has, so no fsync each second.
    this.saveTimer = setInterval(() => this.saveMoved(), SAVE_OFFSETS_MS);
    this.saveTimer.unref();
    this.sampleIntervalMs = deps.resourceIntervalMs ?? 5_000;
    this.sampler = new TreeSampler(2.5 * this.sampleIntervalMs);
    this.sampleTimer = setInterval(() => void this.sample(), this.sampleIntervalMs);
    this.sampleTimer.unref();
  }

  onHealth(listener: HealthListener): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  /** One `pidusage` call for every live server's process tree. */
  async sample(): Promise<void> {
    const live = [...this.servers.values()].filter((s) => s.pid !== undefined);
    if (live.length === 0) return;
    const usage = await this.sampler.sample(live.map((s) => s.pid!)).catch(() => new Map<number, TreeUsage>());
    const at = Date.now();
    const samples: UsageSample[] = [];
    for (const server of live) {
      const u = server.pid === undefined ? undefined : usage.get(server.pid);
      if (!u) continue;
      server.setUsage(u.cpuPercent, u.rssBytes);
      samples.push({ server: server.info(), usage: u });
      this.emitHealth(server, this.health.results(server.id).at(-1)?.latencyMs);
    }
    // One append per round, not one per server: each append is a write and a wake-up of the feeder.
    if (samples.length) this.deps.usageSink?.(samples, at);
  }

  private emitHealth(server: ManagedServer, latencyMs: number | undefined): void {
    const info = server.info();
    const params: HealthDidChangeParams = { serverId: info.id, status: info.status, reason: info.reason, cpuPercent: info.cpuPercent, rssBytes: info.rssBytes, latencyMs };
    for (const l of this.healthListeners) l(params);
  }

  private async restartUnhealthy(id: string, reason: string): Promise<void> {
    const server = this.servers.get(id);
    if (!server) return;
    this.deps.log.warn(`${id}: restarting after ${reason}`);
    const launch = server.saved()?.launch;
    await server.stop();
    if (launch) await server.start(launch).catch((e: unknown) => this.deps.log.error(`${id}: restart failed: ${(e as Error).message}`));
  }

  /** Adopts the servers an earlier daemon left running; the ones that died meanwhile are reported. */
  restore(): void {
    const state = readState(this.deps.stateFile);
    for (const saved of state?.servers ?? []) {
      const server = this.create(saved.spec, saved.lastSeq);
      if (server.adopt(saved)) {
        this.deps.log.info(`${server.id}: adopted run ${saved.runId} (pid ${saved.pid}, port ${saved.port})`);
        server.log.system(`── run ${saved.runId} adopted by a new daemon ──`);
        this.deps.runAdopted?.(saved.spec, { runId: saved.runId, runDir: saved.runDir, pid: saved.pid });
      } else {
        this.deps.log.warn(`${server.id}: run ${saved.runId} (pid ${saved.pid}) ended while no daemon was watching`);
        server.setStatus('crashed', 'exited while the daemon was not running');
      }
    }
    this.save();
  }

  onDidChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** True when a live server runs from this build (retention must keep it). */
  usesBuild(buildId: string): boolean {
    return [...this.servers.values()].some((s) => s.isLive && s.info().buildId === buildId);
  }

  get(id: string): ManagedServer | undefined {
    return this.servers.get(id);
  }

  list(projectId?: string): ServerInfo[] {
    return [...this.servers.values()].filter((s) => !projectId || s.spec.projectId === projectId).map((s) => s.info());
  }

  /** A server's latest runs, newest first, whether or not this daemon ever ran it. */
  runs(id: string, limit: number): RunInfo[] {
    const projectId = id.slice(0, id.indexOf(':'));
    if (!/^[\w.-]+$/.test(projectId)) throw new Error(`'${id}' is not a server id (<projectId>:<name>)`);
    return listRuns(path.join(this.deps.projectsDir, projectId, 'runs'), id, limit);
  }

  /**
   * Starts `specs` (and what they depend on, from `all`): each server as soon as the servers it
   * depends on have started, so independent servers start side by side. A failed start stops only
   * what depends on it; the first failure is thrown once every other start has ended.
   */
  async start(specs: ServerSpec[], all: ServerSpec[], launch: (spec: ServerSpec) => Promise<Launch>): Promise<ServerInfo[]> {
    const order = dependencyOrder(specs, all);
    const started = new Map<string, Promise<void>>();
    for (const spec of order) {
      const id = serverId(spec.projectId, spec.name);
      const deps = spec.dependsOn.map((name) => started.get(serverId(spec.projectId, name))).filter((p) => p !== undefined);
      started.set(id, Promise.all(deps).then(() => this.startOne(spec, launch)));
    }
    const failed = (await Promise.allSettled(started.values())).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return order.map((s) => this.servers.get(serverId(s.projectId, s.name))!.info());
  }

  private async startOne(spec: ServerSpec, launch: (spec: ServerSpec) => Promise<Launch>): Promise<void> {
    const server = this.servers.get(serverId(spec.projectId, spec.name)) ?? this.create(spec);
    if (server.isLive) return;
    server.setStatus('building');
    const from = await launch(spec).catch((err: unknown) => {
      server.setStatus('crashed', `build failed: ${(err as Error).message}`);
      throw err;
    });
    await server.start(from, spec);
  }

  /** Stops `ids` and whatever depends on them, dependents first. */
  async stop(ids: string[]): Promise<ServerInfo[]> {
    const targets = ids.map((id) => this.servers.get(id)).filter((s): s is ManagedServer => s !== undefined);
    const wanted = new Set(targets.map((t) => t.id));
    const order = dependencyOrder(targets.map((t) => t.spec), [...this.servers.values()].map((s) => s.spec))
      .filter((spec) => wanted.has(serverId(spec.projectId, spec.name)))
      .reverse();
    // Each server stops once the servers depending on it have stopped; the others side by side.
    const stopped = new Map<string, Promise<void>>();
    for (const spec of order) {
      const dependents = order.filter((d) => d.projectId === spec.projectId && d.dependsOn.includes(spec.name));
      const first = dependents.map((d) => stopped.get(serverId(d.projectId, d.name))).filter((p) => p !== undefined);
      const server = this.servers.get(serverId(spec.projectId, spec.name));
      stopped.set(serverId(spec.projectId, spec.name), Promise.all(first).then(() => server?.stop()));
    }
    await Promise.all(stopped.values());
    return targets.map((t) => t.info());
  }

  /** Daemon shutdown: stop watching, save where each log was read up to; servers keep running. */
  detachAll(): void {
    clearInterval(this.saveTimer);
    clearInterval(this.sampleTimer);
    this.save();
    for (const s of this.servers.values()) s.detach();
  }

  private create(spec: ServerSpec, firstSeq = 0): ManagedServer {
    const server = new ManagedServer(spec, {
      runsDir: path.join(this.deps.projectsDir, spec.projectId, 'runs'),
      ports: this.ports,
      log: this.deps.log,
      changed: (s) => this.changed(s),
      runEnv: this.deps.runEnv,
      runEnded: this.deps.runEnded,
      lineSink: this.deps.lineSink,
      ringCapacity: this.deps.ringCapacity ?? 10_000,
      health: this.health,
      punchHole: this.deps.punchHole,
      readTurns: this.readTurns,
      ringBudget: this.ringBudget,
      logBuffers: this.logBuffers,
    }, firstSeq);
    this.servers.set(server.id, server);
    return server;
  }

  private changed(server: ManagedServer): void {
    this.save();
    const info = server.info();
    for (const l of this.listeners) l(info);
    this.emitHealth(server, undefined);
  }

  /**
   * The timer's save. Building and comparing the whole state text each second was a tenth of an
   * idle daemon's CPU, so it is skipped while no server's pid or log offsets moved; a full compare
   * still runs every half minute in case something else changed without saving.
   */
  private saveMoved(): void {
    let key = '';
    for (const s of this.servers.values()) {
      const o = s.log.offsets();
      key += `${s.pid ?? '-'}:${o ? o.stdout + o.stderr : '-'} `;
    }
    const now = Date.now();
    if (key === this.lastMoved.key && now - this.lastMoved.at < 30_000) return;
    this.lastMoved = { key, at: now };
    this.save(false);
  }

  private save(durable = true): void {
    try {
      const saved = [...this.servers.values()].map((s) => s.saved()).filter((s) => s !== undefined);
      // The 1 s timer mostly finds nothing new; an fsync'd write each second would be the idle cost.
      const text = stateText(saved);
      if (text === this.lastSaved) return;
      writeState(this.deps.stateFile, saved, durable);
      this.lastSaved = text;
    } catch (err) {
      this.deps.log.error(`could not save ${this.deps.stateFile}: ${(err as Error).message}`);
    }
  }
}

/** `targets` plus everything they depend on, each after its dependencies; cycles are an error. */
export function dependencyOrder(targets: ServerSpec[], all: ServerSpec[]): ServerSpec[] {
  const byName = new Map(all.map((s) => [serverId(s.projectId, s.name), s]));
  const out: ServerSpec[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (spec: ServerSpec, trail: string[]): void => {
    const id = serverId(spec.projectId, spec.name);
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new Error(`servers depend on each other in a cycle: ${[...trail, spec.name].join(' → ')}`);
    state.set(id, 'visiting');
    for (const dep of spec.dependsOn) {
      const target = byName.get(serverId(spec.projectId, dep));
      if (!target) throw new Error(`server '${spec.name}' depends on '${dep}', which runlens.json does not define`);
      visit(target, [...trail, spec.name]);
    }
    state.set(id, 'done');
    out.push(spec);
  };
  for (const t of targets) visit(t, []);
  return out;
}
