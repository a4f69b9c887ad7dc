/**
 * What the supervisor needs to run one server, resolved from the project's configuration
 * (runlens.json, or the Mastra defaults) and its build.
 */
import type { RestartPolicy } from './restartPolicy';

/** How the server's health is checked; the port is the run's own unless `port` says otherwise. */
export interface HealthSpec {
  /** HTTP GET path expecting 2xx; a plain TCP connect when absent. */
  path?: string;
  port?: number;
  intervalMs: number;
  timeoutMs: number;
  startupTimeoutMs: number;
  failureThreshold: number;
  /** Restart after this many failed liveness checks in a row; off when absent. */
  restartAfter?: number;
}

export interface ServerSpec {
  projectId: string;
  projectDir: string;
  name: string;
  /** Shell-free command line, split on spaces unless it uses shell syntax. */
  command: string;
  /** Working directory relative to the build (or project) directory. */
  cwd: string;
  env: Record<string, string>;
  port: number | 'auto';
  restart: RestartPolicy;
  /** SIGTERM → SIGKILL grace period. */
  stopGraceMs: number;
  dependsOn: string[];
  /** A Node binary to put first on PATH (per-project toolchain); relative to the build directory. */
  node?: string;
  /** True for Mastra servers: they get the Mastra exporter variables. */
  mastra?: boolean;
  health: HealthSpec;
  /** Log file rotation; the defaults (10 MB, keep 5) when absent. */
  logRotation?: { maxBytes: number; keep: number };
}

/** Where a run starts from: a build directory, or the project itself when it has no build step. */
export interface Launch {
  buildId?: string;
  workDir: string;
}

export function serverId(projectId: string, name: string): string {
  return `${projectId}:${name}`;
}
