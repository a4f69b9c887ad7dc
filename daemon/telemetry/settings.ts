/**
 * Telemetry settings: which store answers queries, ClickHouse connection, extra folders to watch,
 * retention and the OTLP port. Read from `telemetry/settings.json` in the state dir at start-up
 * (so the CLI and tests can configure a daemon), then updated by the extension through
 * TelemetryConfigureRequest, which also carries the ClickHouse password from secret storage;
 * the password is kept in memory only and never logged.
 */
import * as fs from 'node:fs';
import type { RetentionPolicy } from '../../shared/telemetry/query';

export interface ClickHouseSettings {
  url: string;
  user?: string;
  password?: string;
  database: string;
}

export interface TelemetrySettings {
  backend: 'local' | 'clickhouse';
  clickhouse?: ClickHouseSettings;
  /** Extra folders with Mastra observability JSONL. */
  watchDirs: string[];
  retention: RetentionPolicy;
  /** Preferred OTLP port; the next free one is used when taken. 0 picks any. */
  otlpPort: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { maxAgeMs: 7 * 24 * 3600_000, maxSpans: 1_000_000 };

export function defaultSettings(): TelemetrySettings {
  return { backend: 'local', watchDirs: [], retention: { ...DEFAULT_RETENTION }, otlpPort: 4318 };
}

/** Settings file merged over the defaults; `RUNLENS_OTLP_PORT` overrides the port. */
export function loadSettings(file: string, env: NodeJS.ProcessEnv = process.env): { settings: TelemetrySettings; problem?: string } {
  const settings = defaultSettings();
  let problem: string | undefined;
  try {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<TelemetrySettings>;
    if (raw.backend === 'clickhouse' || raw.backend === 'local') settings.backend = raw.backend;
    if (raw.clickhouse && typeof raw.clickhouse.url === 'string') {
      settings.clickhouse = { ...raw.clickhouse, database: raw.clickhouse.database || 'runlens' };
    }
    if (Array.isArray(raw.watchDirs)) settings.watchDirs = raw.watchDirs.filter((d): d is string => typeof d === 'string');
    if (raw.retention) settings.retention = { ...settings.retention, ...raw.retention };
    if (typeof raw.otlpPort === 'number') settings.otlpPort = raw.otlpPort;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') problem = `ignoring ${file}: ${(err as Error).message}; fix or delete it`;
  }
  const port = Number(env.RUNLENS_OTLP_PORT);
  if (env.RUNLENS_OTLP_PORT && Number.isInteger(port) && port >= 0 && port < 65536) settings.otlpPort = port;
  if (settings.backend === 'clickhouse' && !settings.clickhouse) {
    problem = 'backend is clickhouse but no clickhouse.url is set; using the local store';
    settings.backend = 'local';
  }
  return { settings, problem };
}
