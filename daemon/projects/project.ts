/**
 * A project is a workspace folder: a Mastra project (its package.json depends on Mastra; no
 * configuration needed) or any Node project with a `runlens.json`. Loading one reads and checks
 * both files and resolves the list of servers.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { dependsOnMastra, mastraServer } from '../../shared/config/mastra';
import { CONFIG_FILE, type RunlensConfig, type ServerConfig } from '../../shared/config/runlens';
import { ConfigError, parseRunlensConfig } from '../../shared/config/validate';

export type ProjectKind = 'mastra' | 'node';

export interface Project {
  id: string;
  /** Absolute, normalised path of the folder. */
  folder: string;
  name: string;
  kind: ProjectKind;
  /** Parsed `runlens.json`, when the folder has one. */
  config?: RunlensConfig;
  packageJson?: Record<string, unknown>;
  servers: ServerConfig[];
}

/** The folder is missing or holds neither package.json nor runlens.json: nothing to build. */
export class NotAProjectError extends Error {}

/** The folder is a project but one of its files is broken; the message says which and how. */
export class ProjectFileError extends Error {}

/** Stable for a folder path across daemon restarts, and safe as a directory name. */
export function projectIdFor(folder: string): string {
  return crypto.createHash('sha256').update(path.resolve(folder)).digest('hex').slice(0, 16);
}

export async function loadProject(folderIn: string): Promise<Project> {
  const folder = path.resolve(folderIn);
  const stat = await fs.stat(folder).catch(() => undefined);
  if (!stat?.isDirectory()) throw new NotAProjectError(`${folder} is not a folder; pass the path of a project folder`);
  const [pkgText, configText] = await Promise.all([readIfExists(path.join(folder, 'package.json')), readIfExists(path.join(folder, CONFIG_FILE))]);
  if (pkgText === undefined && configText === undefined) {
    throw new NotAProjectError(`${folder} has neither a package.json nor a ${CONFIG_FILE}; open a Node or Mastra project folder`);
  }
  const packageJson = pkgText === undefined ? undefined : parsePackageJson(pkgText, path.join(folder, 'package.json'));
  let config: RunlensConfig | undefined;
  if (configText !== undefined) {
    const parsed = parseRunlensConfig(configText, path.join(folder, CONFIG_FILE));
    if (!parsed.config) throw new ConfigError(parsed.problems);
    config = parsed.config;
  }
  const kind: ProjectKind = packageJson && dependsOnMastra(packageJson) ? 'mastra' : 'node';
  const name = typeof packageJson?.name === 'string' && packageJson.name ? packageJson.name : path.basename(folder);
  const servers = config?.servers?.length ? config.servers : kind === 'mastra' ? [mastraServer(safeName(name))] : [];
  return { id: projectIdFor(folder), folder, name, kind, config, packageJson, servers };
}

function parsePackageJson(text: string, file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ProjectFileError(`${file} is not valid JSON (${(err as Error).message}); fix it and build again`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProjectFileError(`${file} must hold a JSON object; fix it and build again`);
  }
  return value as Record<string, unknown>;
}

/** A package name like `@acme/api` as a server name (`acme-api`). */
function safeName(name: string): string {
  return name.replace(/^@/, '').replace(/[^A-Za-z0-9._-]+/g, '-') || 'server';
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ProjectFileError(`cannot read ${file}: ${(err as Error).message}`);
  }
}
