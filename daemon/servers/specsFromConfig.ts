/**
 * From a project's validated configuration to what the supervisor runs. Env files are read here,
 * at start time, so an edited `.env` takes effect on the next start; their values go only into the
 * server's environment, never into a log Runlens writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RestartPolicy as ConfigRestart, ServerConfig } from '../../shared/config/runlens';
import type { Project } from '../projects/project';
import { DEFAULT_ROTATION } from '../logs/logRotation';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from './restartPolicy';
import type { HealthSpec, ServerSpec } from './spec';

export const DEFAULT_STOP_GRACE_MS = 5_000;

/** `RUNLENS_HEALTH_INTERVAL_MS` (the extension's `runlens.health.intervalMs`), read once at daemon start. */
function defaultInterval(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.RUNLENS_HEALTH_INTERVAL_MS);
  return Number.isInteger(ms) && ms >= 500 ? ms : 10_000;
}

export const DEFAULT_HEALTH: Omit<HealthSpec, 'path' | 'port'> = {
  intervalMs: defaultInterval(),
  timeoutMs: 3_000,
  startupTimeoutMs: 60_000,
  failureThreshold: 3,
};

export function specsFromProject(project: Pick<Project, 'id' | 'folder' | 'kind' | 'config' | 'servers'>): ServerSpec[] {
  const { id: projectId, folder: projectDir, config } = project;
  return project.servers.map((server) => ({
    projectId,
    projectDir,
    name: server.name,
    command: server.start,
    cwd: server.cwd ?? '.',
    env: { ...readEnvFiles(projectDir, server.envFiles ?? []), ...(server.env ?? {}) },
    port: server.port ?? 'auto',
    restart: restartPolicy(server),
    stopGraceMs: DEFAULT_STOP_GRACE_MS,
    dependsOn: server.dependsOn ?? [],
    // Relative paths point into the build (the project's own dependencies), resolved at start.
    node: config?.node,
    mastra: project.kind === 'mastra',
    ...(server.logs && { logRotation: { maxBytes: server.logs.maxFileBytes ?? DEFAULT_ROTATION.maxBytes, keep: server.logs.keepFiles ?? DEFAULT_ROTATION.keep } }),
    health: {
      ...DEFAULT_HEALTH,
      path: server.health?.path,
      port: server.health?.port,
      ...(server.health?.intervalMs !== undefined && { intervalMs: server.health.intervalMs }),
      ...(server.health?.timeoutMs !== undefined && { timeoutMs: server.health.timeoutMs }),
      ...(server.health?.startupTimeoutMs !== undefined && { startupTimeoutMs: server.health.startupTimeoutMs }),
    },
  }));
}

function restartPolicy(server: ServerConfig): RestartPolicy {
  const r: ConfigRestart | string | undefined = server.restart;
  if (r === undefined) return DEFAULT_RESTART_POLICY;
  const conf = typeof r === 'string' ? { mode: r } : r;
  const given: string = conf.mode;
  const mode: RestartPolicy['mode'] = given === 'never' || given === 'no' ? 'no' : given === 'always' ? 'always' : 'on-failure';
  return {
    ...DEFAULT_RESTART_POLICY,
    mode,
    maxRestarts: 'maxRestarts' in conf && conf.maxRestarts !== undefined ? conf.maxRestarts : DEFAULT_RESTART_POLICY.maxRestarts,
    initialDelayMs: 'backoffMs' in conf && conf.backoffMs !== undefined ? conf.backoffMs : DEFAULT_RESTART_POLICY.initialDelayMs,
  };
}

/** `KEY=value` lines; `#` comments, `export ` prefixes and surrounding quotes are understood. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim().replace(/^export\s+/, '');
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, '\n');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    env[key] = value;
  }
  return env;
}

function readEnvFiles(projectDir: string, files: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const file of files) {
    const full = path.resolve(projectDir, file);
    if (!fs.existsSync(full)) throw new Error(`env file ${file} (in runlens.json "envFiles") does not exist in ${projectDir}`);
    Object.assign(env, parseEnvFile(fs.readFileSync(full, 'utf8')));
  }
  return env;
}
