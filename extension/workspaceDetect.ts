/**
 * Whether a workspace folder is a Runlens project: it has a `runlens.json`, or its `package.json`
 * depends on Mastra. VS Code's activation events cannot look inside package.json, so the extension
 * activates on any package.json and decides here whether to start the daemon.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { dependsOnMastra } from '../shared/config/mastra';

export { dependsOnMastra };

export type ProjectKind = 'runlens' | 'mastra';

export async function detectProject(folder: string): Promise<ProjectKind | undefined> {
  if (await exists(path.join(folder, 'runlens.json'))) return 'runlens';
  try {
    const pkg = JSON.parse(await fs.readFile(path.join(folder, 'package.json'), 'utf8')) as Record<string, unknown>;
    return dependsOnMastra(pkg) ? 'mastra' : undefined;
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
