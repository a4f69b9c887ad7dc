/**
 * What the supervisor needs to run one server, resolved from the project's configuration
 * (runlens.json, or the Mastra defaults) and its build.
 */
import type { RestartPolicy } from './restartPolicy';

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
  /** A Node binary to put first on PATH (per-project toolchain). */
  node?: string;
  /** True for Mastra servers: they get the Mastra exporter variables. */
  mastra?: boolean;
}

/** Where a run starts from: a build directory, or the project itself when it has no build step. */
export interface Launch {
  buildId?: string;
  workDir: string;
}

export function serverId(projectId: string, name: string): string {
  return `${projectId}:${name}`;
}
