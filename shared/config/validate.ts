/**
 * Reads `runlens.json` text into a typed config, or explains what is wrong: every problem names
 * the file, the field (as a path like `servers[1].port`) and what is expected there. Mirrors
 * `runlens.schema.json`; a unit test keeps the two in step. Pure: no file system access.
 */
import type { HealthCheck, RestartPolicy, RunlensConfig, ServerConfig } from './runlens';

export interface ConfigProblem {
  file: string;
  /** Field path, e.g. `servers[0].port`; empty for the whole document. */
  field: string;
  expected: string;
  message: string;
}

/** Thrown by callers that need a config or nothing; the message lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => p.message).join('\n'));
  }
}

export const TOP_LEVEL_KEYS = ['$schema', 'node', 'build', 'servers'] as const;
export const BUILD_KEYS = ['timeoutMs', 'keep'] as const;
export const SERVER_KEYS = ['name', 'build', 'start', 'cwd', 'env', 'envFiles', 'port', 'health', 'restart', 'dependsOn', 'output', 'logs'] as const;
export const HEALTH_KEYS = ['path', 'port', 'intervalMs', 'timeoutMs', 'startupTimeoutMs'] as const;
export const RESTART_KEYS = ['mode', 'maxRestarts', 'backoffMs'] as const;
const RESTART_MODES = ['never', 'on-failure', 'always'] as const;
const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

type Json = unknown;
type Obj = Record<string, Json>;

/** Collects problems while walking the document, so one pass reports all of them. */
class Checker {
  readonly problems: ConfigProblem[] = [];
  constructor(private readonly file: string) {}

  fail(field: string, expected: string, got?: Json): undefined {
    const where = field ? `${this.file}: ${field}` : this.file;
    const gotText = got === undefined ? '' : ` (got ${describe(got)})`;
    this.problems.push({ file: this.file, field, expected, message: `${where}: expected ${expected}${gotText}` });
    return undefined;
  }

  object(v: Json, field: string, keys: readonly string[]): Obj | undefined {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.fail(field, 'an object', v);
    for (const k of Object.keys(v)) {
      if (!keys.includes(k)) this.fail(join(field, k), `no such field; known fields: ${keys.join(', ')}`);
    }
    return v as Obj;
  }

  string(v: Json, field: string, opts: { required?: boolean; nonEmpty?: boolean; pattern?: RegExp; hint?: string } = {}): string | undefined {
    if (v === undefined) return opts.required ? this.fail(field, `a string${opts.hint ? ` (${opts.hint})` : ''}; it is required`) : undefined;
    if (typeof v !== 'string' || (opts.nonEmpty && v.length === 0) || (opts.pattern && !opts.pattern.test(v))) {
      return this.fail(field, `a ${opts.nonEmpty ? 'non-empty ' : ''}string${opts.hint ? ` (${opts.hint})` : ''}`, v);
    }
    return v;
  }

  integer(v: Json, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
      return this.fail(field, `a whole number ${range}`, v);
    }
    return v;
  }

  strings(v: Json, field: string): string[] | undefined {
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return this.fail(field, 'an array of strings', v);
    v.forEach((item, i) => this.string(item, `${field}[${i}]`, { required: true, nonEmpty: true }));
    return v as string[];
  }
}

export function parseRunlensConfig(text: string, file: string): { config?: RunlensConfig; problems: ConfigProblem[] } {
  let doc: Json;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const where = syntaxLocation(text, (err as Error).message);
    const message = `${file}${where}: expected valid JSON (${(err as Error).message}); fix the syntax and try again`;
    return { problems: [{ file, field: '', expected: 'valid JSON', message }] };
  }
  const c = new Checker(file);
  const config = checkConfig(c, doc);
  return c.problems.length ? { problems: c.problems } : { config, problems: [] };
}

function checkConfig(c: Checker, doc: Json): RunlensConfig | undefined {
  const o = c.object(doc, '', TOP_LEVEL_KEYS);
  if (!o) return undefined;
  c.string(o.$schema, '$schema');
  c.string(o.node, 'node', { nonEmpty: true, hint: 'a path to the node executable' });
  if (o.build !== undefined) {
    const b = c.object(o.build, 'build', BUILD_KEYS);
    if (b) {
      c.integer(b.timeoutMs, 'build.timeoutMs', 1000);
      c.integer(b.keep, 'build.keep', 1, 100);
    }
  }
  if (o.servers !== undefined) {
    if (!Array.isArray(o.servers)) c.fail('servers', 'an array of servers', o.servers);
    else checkServers(c, o.servers);
  }
  return o as RunlensConfig;
}

function checkServers(c: Checker, servers: Json[]): void {
  const names = new Set<string>();
  servers.forEach((s, i) => {
    const at = `servers[${i}]`;
    const server = checkServer(c, s, at);
    if (!server?.name) return;
    if (names.has(server.name)) c.fail(`${at}.name`, `a name no other server uses ('${server.name}' appears twice)`);
    names.add(server.name);
  });
  servers.forEach((s, i) => {
    const deps = (s as Partial<ServerConfig> | null)?.dependsOn;
    if (!Array.isArray(deps)) return;
    deps.forEach((d, j) => {
      if (typeof d === 'string' && !names.has(d)) c.fail(`servers[${i}].dependsOn[${j}]`, `the name of a server in this file (no server is named '${d}')`);
    });
  });
}

function checkServer(c: Checker, v: Json, at: string): Partial<ServerConfig> | undefined {
  const s = c.object(v, at, SERVER_KEYS);
  if (!s) return undefined;
  c.string(s.name, `${at}.name`, { required: true, pattern: SERVER_NAME, hint: "letters, digits, '.', '_' or '-'" });
  c.string(s.build, `${at}.build`, { nonEmpty: true, hint: 'a shell command' });
  c.string(s.start, `${at}.start`, { required: true, nonEmpty: true, hint: 'a shell command, e.g. "node dist/server.js"' });
  c.string(s.cwd, `${at}.cwd`, { hint: 'a folder relative to the project folder' });
  if (typeof s.cwd === 'string' && escapes(s.cwd)) c.fail(`${at}.cwd`, 'a folder inside the project folder', s.cwd);
  if (s.env !== undefined) {
    const env = c.object(s.env, `${at}.env`, Object.keys(s.env ?? {}));
    if (env) for (const [k, val] of Object.entries(env)) c.string(val, `${at}.env.${k}`);
  }
  c.strings(s.envFiles, `${at}.envFiles`);
  const port = s.port;
  if (port !== undefined && port !== 'auto' && !(typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535)) {
    c.fail(`${at}.port`, 'a port number from 1 to 65535, or "auto"', port);
  }
  if (s.health !== undefined) checkHealth(c, s.health, `${at}.health`);
  if (s.restart !== undefined) checkRestart(c, s.restart, `${at}.restart`);
  c.strings(s.dependsOn, `${at}.dependsOn`);
  c.strings(s.output, `${at}.output`);
  if (s.logs !== undefined) {
    const logs = c.object(s.logs, `${at}.logs`, ['maxFileBytes', 'keepFiles']);
    c.integer(logs?.maxFileBytes, `${at}.logs.maxFileBytes`, 64 * 1024);
    c.integer(logs?.keepFiles, `${at}.logs.keepFiles`, 1, 100);
  }
  return s as Partial<ServerConfig>;
}

function checkHealth(c: Checker, v: Json, at: string): HealthCheck | undefined {
  const h = c.object(v, at, HEALTH_KEYS);
  if (!h) return undefined;
  c.string(h.path, `${at}.path`, { pattern: /^\//, hint: 'a path starting with "/"' });
  c.integer(h.port, `${at}.port`, 1, 65535);
  c.integer(h.intervalMs, `${at}.intervalMs`, 100);
  c.integer(h.timeoutMs, `${at}.timeoutMs`, 100);
  c.integer(h.startupTimeoutMs, `${at}.startupTimeoutMs`, 100);
  return h as HealthCheck;
}

function checkRestart(c: Checker, v: Json, at: string): void {
  const modes = RESTART_MODES.map((m) => `"${m}"`).join(', ');
  if (typeof v === 'string') {
    if (!(RESTART_MODES as readonly string[]).includes(v)) c.fail(at, `one of ${modes}, or an object with "mode"`, v);
    return;
  }
  const r = c.object(v, at, RESTART_KEYS) as Partial<RestartPolicy> | undefined;
  if (!r) return;
  if (!(RESTART_MODES as readonly unknown[]).includes(r.mode)) c.fail(`${at}.mode`, `one of ${modes}`, r.mode);
  c.integer(r.maxRestarts, `${at}.maxRestarts`, 0);
  c.integer(r.backoffMs, `${at}.backoffMs`, 0);
}

/** A field's path; a key that would not read as one name (empty, a dot, spaces, quotes) is quoted. */
function join(parent: string, key: string): string {
  const name = /^[^\s."\\]+$/.test(key) ? key : JSON.stringify(key);
  return parent ? `${parent}.${name}` : name;
}

function escapes(rel: string): boolean {
  return rel.startsWith('/') || /^[A-Za-z]:/.test(rel) || rel.split(/[\\/]/).includes('..');
}

function describe(v: Json): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/** " (line L, column C)" from a JSON.parse message that carries a position, else "". */
function syntaxLocation(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m) return '';
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}
