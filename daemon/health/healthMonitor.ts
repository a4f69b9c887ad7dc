/**
 * Health of every running server. Each server has its own check loop: the next check is scheduled
 * only after the previous one finished, so checks never pile up and a hung server delays nobody
 * else. Readiness polls every 500 ms until the first success or the start-up timeout; liveness polls
 * every interval and calls a server unhealthy after N failures in a row, healthy again on success.
 */
import { probe, type ProbeResult, type ProbeSpec } from './probe';

export interface HealthSettings {
  probe: ProbeSpec;
  intervalMs: number;
  startupTimeoutMs: number;
  failureThreshold: number;
  /** Restart after this many failures in a row; off when undefined. */
  restartAfter?: number;
}

export const READINESS_POLL_MS = 500;
export const RESULTS_KEPT = 100;

export type HealthState = 'starting' | 'healthy' | 'unhealthy';

export interface HealthEvents {
  changed(serverId: string, state: HealthState, reason: string | undefined, last: ProbeResult | undefined): void;
  /** Liveness failed `restartAfter` times in a row. */
  restart?(serverId: string, reason: string): void;
}

interface Watch {
  settings: HealthSettings;
  state: HealthState;
  failures: number;
  results: ProbeResult[];
  timer: NodeJS.Timeout | undefined;
  stopped: boolean;
  ready: { resolve: (outcome: { ready: boolean; reason?: string }) => void } | undefined;
}

export class HealthMonitor {
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly events: HealthEvents) {}

  /**
   * Starts checking `serverId`. With `skipReadiness` (a run adopted from an earlier daemon) the
   * server counts as healthy at once. Resolves when it is ready or the start-up timeout passed.
   */
  watch(serverId: string, settings: HealthSettings, skipReadiness = false): Promise<{ ready: boolean; reason?: string }> {
    this.unwatch(serverId);
    const w: Watch = { settings, state: skipReadiness ? 'healthy' : 'starting', failures: 0, results: [], timer: undefined, stopped: false, ready: undefined };
    this.watches.set(serverId, w);
    if (skipReadiness) {
      this.schedule(serverId, w, settings.intervalMs);
      return Promise.resolve({ ready: true });
    }
    const deadline = Date.now() + settings.startupTimeoutMs;
    return new Promise((resolve) => {
      w.ready = { resolve };
      const tick = async (): Promise<void> => {
        if (w.stopped) return resolve({ ready: false, reason: 'stopped before it became ready' });
        const r = await this.check(w);
        if (w.stopped) return resolve({ ready: false, reason: 'stopped before it became ready' });
        if (r.ok) {
          this.set(serverId, w, 'healthy', undefined);
          w.ready = undefined;
          resolve({ ready: true });
          this.schedule(serverId, w, settings.intervalMs);
        } else if (Date.now() >= deadline) {
          const reason = `not ready within ${Math.round(settings.startupTimeoutMs / 1000)} s: ${r.error ?? 'check failed'}`;
          this.set(serverId, w, 'unhealthy', reason);
          w.ready = undefined;
          resolve({ ready: false, reason });
          this.schedule(serverId, w, settings.intervalMs);
        } else {
          w.timer = setTimeout(() => void tick(), READINESS_POLL_MS);
        }
      };
      void tick();
    });
  }

  unwatch(serverId: string): void {
    const w = this.watches.get(serverId);
    if (!w) return;
    w.stopped = true;
    if (w.timer) clearTimeout(w.timer);
    w.ready?.resolve({ ready: false, reason: 'stopped before it became ready' });
    this.watches.delete(serverId);
  }

  results(serverId: string): readonly ProbeResult[] {
    return this.watches.get(serverId)?.results ?? [];
  }

  state(serverId: string): HealthState | undefined {
    return this.watches.get(serverId)?.state;
  }

  stopAll(): void {
    for (const id of [...this.watches.keys()]) this.unwatch(id);
  }

  private schedule(serverId: string, w: Watch, delay: number): void {
    if (w.stopped) return;
    w.timer = setTimeout(() => void this.liveness(serverId, w), delay);
  }

  private async liveness(serverId: string, w: Watch): Promise<void> {
    const r = await this.check(w);
    if (w.stopped) return;
    if (r.ok) {
      w.failures = 0;
      if (w.state !== 'healthy') this.set(serverId, w, 'healthy', undefined);
    } else {
      w.failures++;
      const reason = `${w.failures} failed health check${w.failures > 1 ? 's' : ''} in a row: ${r.error ?? 'check failed'}`;
      if (w.failures >= w.settings.failureThreshold && w.state !== 'unhealthy') this.set(serverId, w, 'unhealthy', reason);
      if (w.settings.restartAfter !== undefined && w.failures >= w.settings.restartAfter) {
        this.events.restart?.(serverId, reason);
        return;
      }
    }
    this.schedule(serverId, w, w.settings.intervalMs);
  }

  private async check(w: Watch): Promise<ProbeResult> {
    const r = await probe(w.settings.probe);
    w.results.push(r);
    if (w.results.length > RESULTS_KEPT) w.results.shift();
    return r;
  }

  private set(serverId: string, w: Watch, state: HealthState, reason: string | undefined): void {
    w.state = state;
    this.events.changed(serverId, state, reason, w.results.at(-1));
  }
}
