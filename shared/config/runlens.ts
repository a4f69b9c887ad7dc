/**
 * The shape of `runlens.json`, the file at a project folder's root that describes its servers.
 * `runlens.schema.json` beside this file is the same contract for the editor (completion and
 * errors while typing); `validate.ts` enforces it when the daemon reads the file.
 */

/** A fixed port, or `auto` for a free one chosen at start and passed as `PORT`. */
export type PortSetting = number | 'auto';

export interface HealthCheck {
  /** HTTP path polled on the server's port, e.g. `/health`. */
  path?: string;
  /** Port to poll when it differs from the server's own. */
  port?: number;
  /** Milliseconds between polls. */
  intervalMs?: number;
  /** Milliseconds one poll may take before it counts as failed. */
  timeoutMs?: number;
  /** Milliseconds the server has after start to become healthy. */
  startupTimeoutMs?: number;
}

export type RestartMode = 'never' | 'on-failure' | 'always';

export interface RestartPolicy {
  mode: RestartMode;
  /** Restarts allowed before giving up; unlimited when absent. */
  maxRestarts?: number;
  /** First delay between restarts in milliseconds; doubles on each crash in a row. */
  backoffMs?: number;
}

export interface ServerConfig {
  name: string;
  /** Shell command run in the isolated build after install; omitted means no build of its own. */
  build?: string;
  /** Shell command that starts the server. */
  start: string;
  /** Working directory, relative to the project folder. */
  cwd?: string;
  env?: Record<string, string>;
  /** `.env`-style files, relative to the project folder, loaded before `env`. */
  envFiles?: string[];
  port?: PortSetting;
  health?: HealthCheck;
  restart?: RestartMode | RestartPolicy;
  /** Names of servers that must be healthy before this one starts. */
  dependsOn?: string[];
  /** Files the build must produce, relative to `cwd`; checked in the build's verify step. */
  output?: string[];
  logs?: LogFiles;
}

export interface LogFiles {
  /** Rotate stdout.log / stderr.log when they pass this many bytes (default 10 MB). */
  maxFileBytes?: number;
  /** Rotated copies kept per stream (default 5). */
  keepFiles?: number;
}

export interface BuildSettings {
  /** Milliseconds a build may run before it is stopped and failed. */
  timeoutMs?: number;
  /** How many builds of this project to keep for rollback. */
  keep?: number;
}

export interface RunlensConfig {
  $schema?: string;
  /**
   * The `node` executable for installs, builds and servers: absolute, or relative to the project
   * folder (then looked up inside the build, so it may come from the project's own dependencies).
   * Default: `node` on the PATH.
   */
  node?: string;
  build?: BuildSettings;
  /** May be empty for a Mastra project, whose server Runlens knows without configuration. */
  servers?: ServerConfig[];
}

/** The config file's name at a project folder's root. */
export const CONFIG_FILE = 'runlens.json';
