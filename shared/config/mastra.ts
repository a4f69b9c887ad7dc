/**
 * What Runlens knows about Mastra projects without configuration: how to recognise one, how it
 * builds, what the build leaves behind, and how its server starts.
 */
import type { ServerConfig } from './runlens';

export const MASTRA_PACKAGES = ['mastra', '@mastra/core'];

/** The file `mastra build` writes; the verify step checks for it and the server runs it. */
export const MASTRA_OUTPUT = '.mastra/output/index.mjs';

export function dependsOnMastra(pkg: Record<string, unknown>): boolean {
  for (const field of ['dependencies', 'devDependencies']) {
    const deps = pkg[field];
    if (deps && typeof deps === 'object' && MASTRA_PACKAGES.some((name) => name in deps)) return true;
  }
  return false;
}

/** The server of a Mastra project when `runlens.json` lists none. Mastra reads `PORT`. */
export function mastraServer(name: string): ServerConfig {
  return {
    name,
    start: `node ${MASTRA_OUTPUT}`,
    port: 'auto',
    health: { path: '/health' },
    restart: 'on-failure',
    output: [MASTRA_OUTPUT],
  };
}
