/**
 * Ties incoming telemetry to the server run that produced it. The server service registers each
 * run (its service name and a per-run token) when it starts it; OTLP data is matched by the
 * `runlens.server.id` / `runlens.run.id` resource attributes when present, else by
 * `service.name`; Mastra cloud-exporter posts are matched by their bearer token.
 */
import * as crypto from 'node:crypto';
import type { Attributes, Origin } from '../../shared/telemetry/model';

export interface RunRegistration {
  serverId: string;
  runId: string;
  /** The `OTEL_SERVICE_NAME` the run was started with. */
  serviceName: string;
}

export class RunRegistry {
  private readonly byService = new Map<string, RunRegistration>();
  private readonly byToken = new Map<string, RunRegistration>();

  /**
   * Registers a run and returns the bearer token to give it as `MASTRA_CLOUD_ACCESS_TOKEN`; a run
   * adopted from an earlier daemon keeps the token it was started with.
   */
  register(run: RunRegistration, token = crypto.randomBytes(24).toString('base64url')): string {
    this.byService.set(run.serviceName, run);
    this.byToken.set(token, run);
    return token;
  }

  /** Forgets a run's token once it stopped; later data from its service is still attributed. */
  unregister(runId: string): void {
    for (const [token, run] of this.byToken) if (run.runId === runId) this.byToken.delete(token);
  }

  byRun(runId: string): RunRegistration | undefined {
    for (const run of this.byService.values()) if (run.runId === runId) return run;
    return undefined;
  }

  byBearer(token: string): RunRegistration | undefined {
    return this.byToken.get(token);
  }

  /** The origin of data from a resource with these attributes. */
  resolve(resource: Attributes): Origin {
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : undefined;
    const serverId = typeof resource['runlens.server.id'] === 'string' ? resource['runlens.server.id'] : undefined;
    const runId = typeof resource['runlens.run.id'] === 'string' ? resource['runlens.run.id'] : undefined;
    if (serverId) return { service, serverId, runId };
    const run = service === undefined ? undefined : this.byService.get(service);
    return run ? { service, serverId: run.serverId, runId: run.runId } : { service };
  }
}

/**
 * A copy of `o` without its undefined fields, so segment lines stay small and stable. A copy, not
 * `delete`: deleting turns an object into a slow dictionary that JSON.stringify then walks at
 * about two thirds of the speed, and every received span is serialized into a segment.
 */
export function compact<T extends object>(o: T): T {
  const out: Partial<T> = {};
  for (const k in o) {
    const v = o[k];
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}
