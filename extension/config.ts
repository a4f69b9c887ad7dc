/**
 * The `runlens.*` settings as one typed, validated object. Reading goes through a `get` function
 * (VS Code's `WorkspaceConfiguration.get` in the extension, a plain object in unit tests), so this
 * file has no `vscode` import. A value that is wrong is replaced by its default and reported, so a
 * typo in settings.json never stops the extension.
 */
import type { TelemetryConfigureParams } from '../shared/protocol/telemetry';

export interface RunlensSettings {
  /** The daemon's state directory; empty means the default (`RUNLENS_HOME`, XDG, `~/.runlens`). */
  stateDir: string;
  telemetry: {
    backend: 'local' | 'clickhouse';
    clickhouse: { url: string; user: string; database: string };
    retentionDays: number;
  };
  /** Default interval between liveness checks, for servers whose runlens.json sets none. */
  healthIntervalMs: number;
  /** Recent lines a log view starts with when it opens. */
  logBufferLines: number;
  /** Start the workspace's servers when the window opens. */
  autoStartServers: boolean;
  /** Open a server's log channel when it starts. */
  openLogsOnStart: boolean;
  /** Show exceptions recorded by spans as diagnostics at their source line. */
  errorDiagnostics: boolean;
}

export interface SettingProblem {
  /** Full setting key, e.g. `runlens.telemetry.clickhouse.url`. */
  key: string;
  message: string;
}

/** Every setting key (without `runlens.`), its default, and how to check a value. */
export const SETTINGS = {
  stateDir: { default: '', check: isString },
  'telemetry.backend': { default: 'local', check: (v: unknown) => v === 'local' || v === 'clickhouse', expected: '"local" or "clickhouse"' },
  'telemetry.clickhouse.url': { default: '', check: (v: unknown) => v === '' || isHttpUrl(v), expected: 'an http:// or https:// URL, e.g. http://127.0.0.1:8123' },
  'telemetry.clickhouse.user': { default: 'default', check: isString },
  'telemetry.clickhouse.database': { default: 'runlens', check: (v: unknown) => typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v), expected: 'a database name (letters, digits, _)' },
  'telemetry.retentionDays': { default: 7, check: intIn(1, 3650), expected: 'a whole number of days from 1 to 3650' },
  'health.intervalMs': { default: 10_000, check: intIn(500, 3_600_000), expected: 'milliseconds from 500 to 3600000' },
  'logs.bufferLines': { default: 1000, check: intIn(10, 10_000), expected: 'a whole number of lines from 10 to 10000' },
  'servers.autoStart': { default: false, check: isBoolean, expected: 'true or false' },
  'logs.openOnStart': { default: false, check: isBoolean, expected: 'true or false' },
  'diagnostics.errors': { default: true, check: isBoolean, expected: 'true or false' },
} as const satisfies Record<string, { default: unknown; check: (v: unknown) => boolean; expected?: string }>;

export type SettingKey = keyof typeof SETTINGS;
type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T;
type SettingValue<K extends SettingKey> = Widen<(typeof SETTINGS)[K]['default']>;

/** Settings the running daemon reads only when it starts. */
export const DAEMON_RESTART_KEYS: readonly SettingKey[] = ['health.intervalMs'];
/** Settings the window reads only when it starts: the daemon it talks to is chosen by them. */
export const RELOAD_KEYS: readonly SettingKey[] = ['stateDir'];
/** Settings sent to the daemon with `telemetry/configure` whenever they change. */
export const TELEMETRY_KEYS: readonly SettingKey[] = [
  'telemetry.backend', 'telemetry.clickhouse.url', 'telemetry.clickhouse.user', 'telemetry.clickhouse.database', 'telemetry.retentionDays',
];

export function readSettings(get: (key: SettingKey) => unknown): { settings: RunlensSettings; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const value = <K extends SettingKey>(key: K): SettingValue<K> => {
    const spec = SETTINGS[key];
    const v = get(key);
    if (v === undefined || v === null) return spec.default as SettingValue<K>;
    if (spec.check(v)) return v as SettingValue<K>;
    const expected = 'expected' in spec ? spec.expected : 'a string';
    problems.push({ key: `runlens.${key}`, message: `runlens.${key}: expected ${expected} (got ${JSON.stringify(v)}); using ${JSON.stringify(spec.default)}` });
    return spec.default as SettingValue<K>;
  };
  const settings: RunlensSettings = {
    stateDir: value('stateDir').trim(),
    telemetry: {
      backend: value('telemetry.backend') as 'local' | 'clickhouse',
      clickhouse: { url: value('telemetry.clickhouse.url'), user: value('telemetry.clickhouse.user'), database: value('telemetry.clickhouse.database') },
      retentionDays: value('telemetry.retentionDays'),
    },
    healthIntervalMs: value('health.intervalMs'),
    logBufferLines: value('logs.bufferLines'),
    autoStartServers: value('servers.autoStart'),
    openLogsOnStart: value('logs.openOnStart'),
    errorDiagnostics: value('diagnostics.errors'),
  };
  if (settings.telemetry.backend === 'clickhouse' && !settings.telemetry.clickhouse.url) {
    problems.push({ key: 'runlens.telemetry.clickhouse.url', message: 'runlens.telemetry.backend is "clickhouse" but runlens.telemetry.clickhouse.url is empty; using the local store' });
    settings.telemetry.backend = 'local';
  }
  return { settings, problems };
}

/** What `telemetry/configure` gets: the settings, plus the password from secret storage. */
export function telemetryParams(s: RunlensSettings, password: string | undefined): TelemetryConfigureParams {
  const ch = s.telemetry.clickhouse;
  return {
    backend: s.telemetry.backend,
    ...(ch.url && { clickhouse: { url: ch.url, user: ch.user, database: ch.database, ...(password ? { password } : {}) } }),
    retention: { maxAgeDays: s.telemetry.retentionDays },
  };
}

/** Environment for a daemon this window starts, carrying the settings the daemon reads at start. */
export function daemonEnv(s: RunlensSettings): Record<string, string> {
  return { RUNLENS_HEALTH_INTERVAL_MS: String(s.healthIntervalMs) };
}

function isString(v: unknown): boolean {
  return typeof v === 'string';
}

function isBoolean(v: unknown): boolean {
  return typeof v === 'boolean';
}

function intIn(min: number, max: number): (v: unknown) => boolean {
  return (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
