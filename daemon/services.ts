/**
 * The daemon's services and the protocol areas that expose them. This is where a new area plugs in:
 * create its service here (with what it needs passed in), add its registrar to `areas`, and stop it
 * in `stop`. Services never reach for globals, so tests can build any one of them alone.
 */
import type { StatePaths } from '../shared/node/stateDir';
import type { AreaRegistrar } from './daemon';
import type { Logger } from './log';

export interface ServiceDeps {
  paths: StatePaths;
  log: Logger;
}

export interface Services {
  areas: AreaRegistrar[];
  /** Stops watchers and timers and flushes what must reach disk. Servers keep running. */
  stop(): Promise<void>;
}

export async function createServices(_deps: ServiceDeps): Promise<Services> {
  return {
    areas: [],
    stop: async () => undefined,
  };
}
