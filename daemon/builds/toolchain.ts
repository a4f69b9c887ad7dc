/**
 * The user's toolchain for installs and builds: the `node` and package manager on the user's PATH,
 * or the `node` named in `runlens.json` (never the editor's own Node, which runs the daemon), and
 * the environment the commands get.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Env = Record<string, string>;

/**
 * execa is an ES module whose dependencies only export `import` conditions, so `require` cannot
 * load it; the daemon bundle is fine either way, but unit tests and benchmarks run these modules
 * as CommonJS. A dynamic import works for both.
 */
export function loadExeca(): Promise<typeof import('execa')> {
  return import('execa');
}

/** Finds an executable on `envPath` the way a shell would; undefined when absent. */
export function which(name: string, envPath: string | undefined): string | undefined {
  const exts = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

export function isExecutable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `runlens.json`'s `node`: absolute, or relative to the build's copy of the project. */
export function configuredNode(setting: string | undefined, appDir: string): string | undefined {
  if (!setting) return undefined;
  return path.isAbsolute(setting) ? setting : path.join(appDir, setting);
}

/**
 * A package manager's version from the package.json of the package its binary belongs to
 * (`/usr/bin/npm` → `…/node_modules/npm/bin/npm-cli.js` → `…/npm/package.json`): starting npm
 * just to ask takes up to a second, reading a file does not. Falls back to `--version`.
 */
export async function packageManagerVersion(bin: string, name: string, env: Env, cwd: string): Promise<string | undefined> {
  let dir: string;
  try {
    dir = path.dirname(fs.realpathSync(bin));
  } catch {
    return toolVersion(bin, env, cwd);
  }
  for (let i = 0; i < 4; i++, dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json at this level; look one up.
    }
  }
  // Not laid out as a package (a standalone binary, say): ask it.
  return toolVersion(bin, env, cwd);
}

/** The first line `<bin> --version` prints, or undefined if it does not answer within 15 s. */
export async function toolVersion(bin: string, env: Env, cwd: string): Promise<string | undefined> {
  const { execa } = await loadExeca();
  const r = await execa(bin, ['--version'], { env, extendEnv: false, cwd, reject: false, timeout: 15_000, stdin: 'ignore' });
  const first = String(r.stdout ?? '').trim().split('\n')[0];
  return r.exitCode === 0 && first ? first : undefined;
}

/** Variables a parent npm sets for its own scripts; they would mislead the project's npm. */
const NPM_SCRIPT_VARS = /^(npm_lifecycle_|npm_package_|npm_execpath$|npm_node_execpath$|npm_command$|INIT_CWD$|ELECTRON_RUN_AS_NODE$)/;

export interface EnvOptions {
  /** Directories put first on PATH, in order (the configured node's, node_modules/.bin). */
  pathFirst: string[];
  /** Installs never run with NODE_ENV=production: it would drop the devDependencies holding the build tools. */
  install: boolean;
  mastra: boolean;
}

export function commandEnv(base: NodeJS.ProcessEnv, opts: EnvOptions): Env {
  const env: Env = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !NPM_SCRIPT_VARS.test(k)) env[k] = v;
  const pathKey = Object.keys(env).find((k) => k.toUpperCase() === 'PATH') ?? 'PATH';
  env[pathKey] = [...opts.pathFirst, env[pathKey] ?? ''].filter(Boolean).join(path.delimiter);
  if (opts.install) delete env.NODE_ENV;
  // Prefer the local package cache, also for installs a build tool runs itself (mastra build does).
  env.npm_config_prefer_offline ??= 'true';
  env.npm_config_update_notifier = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_audit = 'false';
  // Building locally is no reason to send usage data on the user's behalf.
  if (opts.mastra) env.MASTRA_TELEMETRY_DISABLED ??= '1';
  return env;
}

export function envPath(env: Env): string | undefined {
  const key = Object.keys(env).find((k) => k.toUpperCase() === 'PATH');
  return key ? env[key] : undefined;
}
