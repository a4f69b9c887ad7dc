/**
 * The daemon under fault: started and restarted the way users get it (any CLI command starts a
 * daemon when none answers), SIGKILLed by pid, and torn down with every server it ran. Projects
 * are generated from the fixture scripts so each scenario names exactly the servers it needs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { orClosed } from '../../shared/node/rpcClient';
import { ServersStopRequest } from '../../shared/protocol/servers';
import type { ServerConfig } from '../../shared/config/runlens';
import { makeProject, npmProject } from '../integration/buildHelpers';
import { cliJson, connectClient, daemonPids, REPO, stopAll, tempHome, waitFor } from '../integration/helpers';
import { listServers } from '../integration/serverHelpers';

/** Fixture scripts by project file name: `servers/web.js` is copied in as `web.js`. */
export const SCRIPTS = ['servers/web.js', 'servers/flood.js', 'servers/stubborn.js', 'faults/slow-build.js', 'faults/forker.js'];

/**
 * A project whose servers run the fixture scripts. Without `npm` it has no package.json, so its
 * builds skip the install (seconds on a loaded machine); with it, a lockfile without dependencies.
 */
export function faultProject(servers: ServerConfig[], opts: { npm?: boolean } = {}): string {
  const files: Record<string, string> = { 'runlens.json': JSON.stringify({ servers }, null, 2) };
  for (const rel of SCRIPTS) files[path.basename(rel)] = fs.readFileSync(path.join(REPO, 'test/fixtures', rel), 'utf8');
  return opts.npm ? npmProject({}, files) : makeProject(files);
}

export class DaemonUnderTest {
  readonly home: string;
  private client: MessageConnection | undefined;

  constructor(prefix: string) {
    this.home = tempHome(prefix);
  }

  get c(): MessageConnection {
    if (!this.client) throw new Error('the daemon is not connected; call start() first');
    return this.client;
  }

  get pid(): number {
    const [pid] = daemonPids(this.home);
    if (pid === undefined) throw new Error(`no daemon runs for ${this.home}`);
    return pid;
  }

  /** Starts a daemon through the CLI (as the extension or a `runlens` command would) and connects. */
  async start(): Promise<void> {
    this.client?.dispose();
    const r = await cliJson(['ps'], this.home);
    if (r.code !== 0) throw new Error(`runlens ps exited ${r.code}: ${JSON.stringify(r.json)}`);
    await waitFor('the daemon to answer', () => daemonPids(this.home).length === 1 || undefined);
    this.client = await connectClient(this.home, 'fault suite');
  }

  /** SIGKILL: no shutdown code runs. Resolves once the process is gone. */
  async kill(): Promise<number> {
    const pid = this.pid;
    process.kill(pid, 'SIGKILL');
    await waitFor(`daemon ${pid} to die`, () => daemonPids(this.home).length === 0);
    this.client?.dispose();
    this.client = undefined;
    return pid;
  }

  /** Stops every server of `projects` (they outlive the daemon), the daemon, and removes the dirs. */
  async dispose(projects: string[] = [], opts: { keepHome?: boolean } = {}): Promise<void> {
    if (this.client) {
      for (const project of projects) await orClosed(this.client, this.client.sendRequest(ServersStopRequest, { project })).catch(() => undefined);
      const left = await listServers(this.client).catch(() => []);
      if (left.some((s) => s.pid !== undefined)) console.log(`      warning: servers still live at teardown: ${left.filter((s) => s.pid).map((s) => s.name).join(', ')}`);
      this.client.dispose();
    }
    await stopAll(this.home);
    if (!opts.keepHome) fs.rmSync(path.dirname(this.home), { recursive: true, force: true });
    for (const project of projects) fs.rmSync(path.dirname(project), { recursive: true, force: true });
  }
}

/** Resident set of a process in bytes, from /proc. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

export function fdCount(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
