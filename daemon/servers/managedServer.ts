/**
 * One supervised server: its runs, its log, its state. Starting opens the log files and spawns the
 * run; an exit nobody asked for is noticed at once (the child's exit event, or a 250 ms liveness
 * check for a run adopted from an earlier daemon) and the restart policy decides what follows.
 * Stopping signals the whole process group and reports `stopped` only when every process is gone.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ServerInfo, ServerStatus } from '../../shared/protocol/servers';
import { identityAlive, processStartTime } from '../../shared/node/processInfo';
import type { HealthMonitor, HealthSettings, HealthState } from '../health/healthMonitor';
import type { Logger } from '../log';
import { ServerLog, type LineSink, type StreamOffsets } from '../logs/serverLog';
import type { PunchHole } from '../logs/logRotation';
import type { TurnBudget } from '../logs/turnBudget';
import type { RingBudget } from '../logs/ringBudget';
import type { LogBuffers } from '../logs/bufferPool';
import { PortInUseError, portFree } from './ports';
import { groupMembers, stopGroup } from './processTree';
import { writeRunEnd, writeRunStart } from './runRecords';
import { decideRestart, describeExit } from './restartPolicy';
import { spawnRun, type ExitStatus } from './spawnRun';
import { serverId, type Launch, type ServerSpec } from './spec';

export interface PortBook {
  allocate(): Promise<number>;
  claim(port: number): void;
  release(port: number): void;
}

export interface ManagedServerDeps {
  runsDir: string;
  ports: PortBook;
  log: Logger;
  /** Called on every change: sends `servers/didChange` and saves state. */
  changed(server: ManagedServer): void;
  /** Variables Runlens adds for a run (telemetry endpoints, tokens). */
  runEnv(spec: ServerSpec, runId: string, runDir: string): Record<string, string> | Promise<Record<string, string>>;
  /** A run ended: telemetry stops watching its folder and its token stops working. */
  runEnded?(runId: string): void;
  lineSink?: LineSink;
  ringCapacity: number;
  health: HealthMonitor;
  punchHole?: PunchHole;
  /** Shared by all servers' log tailers (see TurnBudget). */
  readTurns?: TurnBudget;
  /** The text all servers' log rings may hold (see RingBudget). */
  ringBudget?: RingBudget;
  /** Buffers all servers' logs borrow (see BufferPool). */
  logBuffers?: LogBuffers;
}

/** What state.json keeps of a running server so a new daemon can adopt it. */
export interface SavedServer {
  spec: ServerSpec;
  launch: Launch;
  pid: number;
  startTime?: number;
  port: number;
  runId: string;
  runDir: string;
  startedAt: number;
  restartCount: number;
  offsets: StreamOffsets;
  lastSeq: number;
}

interface Run {
  pid: number;
  startTime?: number;
  runId: string;
  runDir: string;
  port: number;
  startedAt: number;
}

const ADOPTED_CHECK_MS = 250;

export class ManagedServer {
  readonly id: string;
  readonly log: ServerLog;
  private run: Run | undefined;
  private launch: Launch | undefined;
  private status: ServerStatus = 'stopped';
  private reason: string | undefined;
  private restartCount = 0;
  private restartTimes: number[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private lastExit: ServerInfo['lastExit'];
  private stopping: Promise<void> | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private usage: { cpuPercent: number; rssBytes: number } | undefined;

  constructor(public spec: ServerSpec, private readonly deps: ManagedServerDeps, firstSeq = 0) {
    this.id = serverId(spec.projectId, spec.name);
    const logsDir = path.join(path.dirname(deps.runsDir), 'logs');
    fs.mkdirSync(logsDir, { recursive: true, mode: 0o700 });
    this.log = new ServerLog(this.id, {
      capacity: deps.ringCapacity,
      sink: deps.lineSink,
      firstSeq,
      indexFile: path.join(logsDir, `${encodeURIComponent(spec.name)}.index.jsonl`),
      runsDir: deps.runsDir,
      rotation: spec.logRotation,
      punchHole: deps.punchHole,
      readTurns: deps.readTurns,
      ringBudget: deps.ringBudget,
      buffers: deps.logBuffers,
    });
  }

  info(): ServerInfo {
    const r = this.run;
    return {
      id: this.id,
      projectId: this.spec.projectId,
      projectDir: this.spec.projectDir,
      name: this.spec.name,
      status: this.status,
      reason: this.reason,
      pid: r?.pid,
      port: r?.port,
      url: r ? `http://127.0.0.1:${r.port}` : undefined,
      runId: r?.runId,
      buildId: this.launch?.buildId,
      startedAt: r?.startedAt,
      restartCount: this.restartCount,
      lastExit: this.lastExit,
      cpuPercent: r ? this.usage?.cpuPercent : undefined,
      rssBytes: r ? this.usage?.rssBytes : undefined,
    };
  }

  get pid(): number | undefined {
    return this.run?.pid;
  }

  /** The latest resource sample of the run's process tree. */
  setUsage(cpuPercent: number, rssBytes: number): void {
    this.usage = { cpuPercent, rssBytes };
  }

  get isLive(): boolean {
    return this.run !== undefined;
  }

  get port(): number | undefined {
    return this.run?.port;
  }

  setStatus(status: ServerStatus, reason?: string): void {
    this.status = status;
    this.reason = reason;
    this.deps.changed(this);
  }

  /** Starts a run from `launch`; a live server is left as it is. */
  async start(launch: Launch, spec: ServerSpec = this.spec): Promise<void> {
    if (this.run) return;
    this.clearRestartTimer();
    this.spec = spec;
    this.launch = launch;
    this.setStatus('starting');
    let port: number;
    try {
      port = await this.takePort();
    } catch (err) {
      this.setStatus('stopped', (err as Error).message);
      throw err;
    }
    const runId = `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${crypto.randomBytes(3).toString('hex')}`;
    const runDir = path.join(this.deps.runsDir, runId);
    const env = await this.environment(port, runId, runDir, launch.workDir);
    let spawned;
    try {
      spawned = await spawnRun(this.spec, launch.workDir, runDir, env);
    } catch (err) {
      this.deps.ports.release(port);
      this.setStatus('crashed', (err as Error).message);
      throw err;
    }
    this.run = { pid: spawned.pid, startTime: processStartTime(spawned.pid), runId, runDir, port, startedAt: Date.now() };
    this.recordRun(() => writeRunStart(runDir, { runId, serverId: this.id, buildId: launch.buildId, pid: spawned.pid, port, startedAt: this.run!.startedAt }));
    this.log.attach(runId, runDir);
    this.log.system(`── run ${runId} started: pid ${spawned.pid}, port ${port}, '${this.spec.command}' ──`);
    this.deps.log.info(`${this.id}: started run ${runId} (pid ${spawned.pid}, port ${port})`);
    const run = this.run;
    spawned.exited.then((exit) => this.exited(run, exit)).catch((e: unknown) => this.deps.log.error(`${this.id}: ${String(e)}`));
    this.deps.changed(this);
    // `starting` until the first successful health check (or the start-up timeout).
    const outcome = await this.deps.health.watch(this.id, this.healthSettings(port));
    if (this.run !== run || this.stopping) return;
    if (outcome.ready) this.setStatus('running');
    else this.setStatus('unhealthy', outcome.reason);
  }

  /** A liveness change reported by the health monitor after start-up. */
  healthChanged(state: HealthState, reason: string | undefined): void {
    if (!this.run || this.stopping || (this.status !== 'running' && this.status !== 'unhealthy')) return;
    if (state === 'healthy' && this.status !== 'running') this.setStatus('running');
    else if (state === 'unhealthy') this.setStatus('unhealthy', reason);
  }

  private healthSettings(port: number): HealthSettings {
    const h = this.spec.health;
    const target = h.port ?? port;
    return {
      probe: h.path ? { kind: 'http', path: h.path, port: target, timeoutMs: h.timeoutMs } : { kind: 'tcp', port: target, timeoutMs: h.timeoutMs },
      intervalMs: h.intervalMs,
      startupTimeoutMs: h.startupTimeoutMs,
      failureThreshold: h.failureThreshold,
      restartAfter: h.restartAfter,
    };
  }

  /** Re-attaches to a run started by an earlier daemon, if it is still the same process. */
  adopt(saved: SavedServer): boolean {
    this.launch = saved.launch;
    this.restartCount = saved.restartCount;
    if (!identityAlive({ pid: saved.pid, startTime: saved.startTime })) return false;
    this.run = { pid: saved.pid, startTime: saved.startTime, runId: saved.runId, runDir: saved.runDir, port: saved.port, startedAt: saved.startedAt };
    this.deps.ports.claim(saved.port);
    this.log.attach(saved.runId, saved.runDir, saved.offsets);
    const run = this.run;
    this.watchTimer = setInterval(() => {
      if (identityAlive({ pid: run.pid, startTime: run.startTime })) return;
      clearInterval(this.watchTimer);
      void this.exited(run, { code: null, signal: null });
    }, ADOPTED_CHECK_MS);
    this.status = 'running';
    void this.deps.health.watch(this.id, this.healthSettings(saved.port), true);
    return true;
  }

  saved(): SavedServer | undefined {
    const r = this.run;
    if (!r || !this.launch) return undefined;
    return {
      spec: this.spec, launch: this.launch, pid: r.pid, startTime: r.startTime, port: r.port, runId: r.runId,
      runDir: r.runDir, startedAt: r.startedAt, restartCount: this.restartCount,
      offsets: this.log.offsets() ?? { stdout: 0, stderr: 0 }, lastSeq: this.log.lastSeq,
    };
  }

  /** Stops the run: SIGTERM to its group, the grace period, SIGKILL; resolves when all are gone. */
  async stop(): Promise<void> {
    this.clearRestartTimer();
    const run = this.run;
    if (!run) {
      if (this.status !== 'stopped') this.setStatus('stopped');
      return;
    }
    this.stopping ??= (async () => {
      this.setStatus('stopping');
      const how = await stopGroup(run.pid, this.spec.stopGraceMs);
      this.endRun();
      const outcome = how === 'killed' ? `did not stop within ${this.spec.stopGraceMs} ms of SIGTERM; killed` : 'stopped';
      this.recordRun(() => writeRunEnd(run.runDir, { endedAt: Date.now(), outcome }));
      await this.closeRun(run, outcome);
      this.setStatus('stopped');
    })().finally(() => (this.stopping = undefined));
    await this.stopping;
  }

  /** Stops watching without touching the run (daemon shutdown: servers outlive the daemon). */
  detach(): void {
    this.clearRestartTimer();
    this.deps.health.unwatch(this.id);
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.log.detach();
  }

  private async exited(run: Run, exit: ExitStatus): Promise<void> {
    if (this.run !== run || this.stopping) return;
    this.lastExit = { code: exit.code, signal: exit.signal, at: Date.now() };
    const what = exit.spawnError ? `could not start: ${exit.spawnError}` : describeExit(exit);
    const decision = decideRestart(this.spec.restart, exit, this.restartTimes, Date.now());
    // Say so at once; reading the run's last lines can follow.
    this.endRun();
    this.recordRun(() => writeRunEnd(run.runDir, { endedAt: this.lastExit!.at, outcome: what, exit: this.lastExit }));
    if (decision.restart) {
      this.restartTimes.push(Date.now());
      this.restartCount++;
      this.setStatus('crashed', `${what}; restarting in ${decision.delayMs / 1000} s`);
    } else {
      this.setStatus(exit.code === 0 && !exit.signal ? 'stopped' : 'crashed', decision.reason);
    }
    this.deps.log.warn(`${this.id}: ${this.reason}`);
    await this.stopLeftovers(run);
    await this.closeRun(run, what);
    if (!decision.restart) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.launch) this.start(this.launch).catch((e: unknown) => this.deps.log.error(`${this.id}: restart failed: ${(e as Error).message}`));
    }, decision.delayMs);
  }

  /**
   * Processes a run left in its group when it exited (a start script that backgrounds the real
   * work, say) would run on unseen, holding the port and memory: stop them, and say so in its log.
   */
  private async stopLeftovers(run: Run): Promise<void> {
    const left = groupMembers(run.pid).length;
    if (left === 0) return;
    const how = await stopGroup(run.pid, this.spec.stopGraceMs).catch((e: Error) => e.message);
    const done = how === 'terminated' ? 'stopped them' : how === 'killed' ? `killed them (SIGTERM was ignored for ${this.spec.stopGraceMs} ms)` : how;
    this.log.system(`── run ${run.runId} exited but left ${left} process(es) of its group running; ${done} ──`);
  }

  /** The run is over: forget it first, so a pending readiness wait and `info()` see that. */
  private endRun(): void {
    this.run = undefined;
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.deps.health.unwatch(this.id);
  }

  /** Run records are for listing runs: failing to write one must not fail the run. */
  private recordRun(write: () => void): void {
    try {
      write();
    } catch (err) {
      this.deps.log.warn(`${this.id}: cannot write the run record: ${(err as Error).message}`);
    }
  }

  /** Reads the run's last lines, marks its end in the log, and frees its port. */
  private async closeRun(run: Run, what: string): Promise<void> {
    await this.log.drain();
    this.log.system(`── run ${run.runId} ${what} ──`);
    this.log.detach();
    this.deps.ports.release(run.port);
    this.deps.runEnded?.(run.runId);
  }

  private async takePort(): Promise<number> {
    if (this.spec.port === 'auto') return this.deps.ports.allocate();
    if (!(await portFree(this.spec.port))) throw new PortInUseError(this.spec.port, this.spec.name);
    this.deps.ports.claim(this.spec.port);
    return this.spec.port;
  }

  private async environment(port: number, runId: string, runDir: string, workDir: string): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('RUNLENS_')) env[k] = v;
    Object.assign(env, { NODE_ENV: 'development' }, this.spec.env, { PORT: String(port) }, await this.deps.runEnv(this.spec, runId, runDir));
    if (this.spec.node) env.PATH = `${path.dirname(path.resolve(workDir, this.spec.node))}${path.delimiter}${env.PATH ?? ''}`;
    return env;
  }

  private clearRestartTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }
}
