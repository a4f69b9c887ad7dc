/** Handlers for the `servers` area, and the `servers/didChange` broadcast to every client. */
import {
  ServerDidChangeNotification,
  ServersListRequest,
  ServersRestartRequest,
  ServersRunsRequest,
  ServersStartRequest,
  ServersStopRequest,
  type ServerInfo,
  type ServersStartParams,
} from '../../shared/protocol/servers';
import { asObject, optNumber, optString, reqString } from '../../shared/protocol/validate';
import type { Logger } from '../log';
import type { Supervisor } from '../servers/supervisor';
import type { Launch, ServerSpec } from '../servers/spec';
import { serverId } from '../servers/spec';
import type { ClientConnection } from './connection';
import { handle } from './handle';

/** Turns a project folder into its servers and their builds; implemented by the projects service. */
export interface ProjectResolver {
  specs(projectDir: string): Promise<{ projectId: string; specs: ServerSpec[] }>;
  launch(spec: ServerSpec, opts: { buildId?: string; rebuild?: boolean }): Promise<Launch>;
}

function startParams(raw: unknown): ServersStartParams {
  const p = asObject(raw);
  const rebuild = p.rebuild;
  return {
    project: reqString(p, 'project'),
    server: optString(p, 'server', 256),
    buildId: optString(p, 'buildId', 256),
    rebuild: rebuild === true,
  };
}

async function pick(projects: ProjectResolver, project: string, server?: string) {
  const { projectId, specs } = await projects.specs(project);
  const chosen = server ? specs.filter((s) => s.name === server) : specs;
  if (server && chosen.length === 0) {
    throw new Error(`no server '${server}' in ${project}; known: ${specs.map((s) => s.name).join(', ') || 'none'}`);
  }
  return { projectId, specs, chosen };
}

function neverStarted(spec: ServerSpec): ServerInfo {
  return { id: serverId(spec.projectId, spec.name), projectId: spec.projectId, projectDir: spec.projectDir, name: spec.name, status: 'stopped', restartCount: 0 };
}

export function serversArea(supervisor: Supervisor, projects: ProjectResolver, log: Logger) {
  const start = async (p: ServersStartParams) => {
    const { specs, chosen } = await pick(projects, p.project, p.server);
    const servers = await supervisor.start(chosen, specs, (spec) =>
      projects.launch(spec, { buildId: spec.name === p.server || !p.server ? p.buildId : undefined, rebuild: p.rebuild }));
    return { servers };
  };
  const stop = async (project: string, server?: string) => {
    const { projectId, chosen } = await pick(projects, project, server);
    return { servers: await supervisor.stop(chosen.map((s) => serverId(projectId, s.name))) };
  };

  return (conn: ClientConnection): void => {
    handle(conn, log, ServersStartRequest, (raw) => start(startParams(raw)));
    handle(conn, log, ServersStopRequest, (raw) => {
      const p = asObject(raw);
      return stop(reqString(p, 'project'), optString(p, 'server', 256));
    });
    handle(conn, log, ServersRestartRequest, async (raw) => {
      const p = startParams(raw);
      await stop(p.project, p.server);
      return start(p);
    });
    handle(conn, log, ServersListRequest, async (raw) => {
      const project = optString(asObject(raw ?? {}), 'project');
      if (!project) return { servers: supervisor.list() };
      // A project's configured servers are listed too, as stopped, before they ever ran.
      const { projectId, specs } = await projects.specs(project);
      const known = supervisor.list(projectId);
      const never = specs.filter((s) => !known.some((k) => k.name === s.name)).map((s) => neverStarted(s));
      return { servers: [...known, ...never] };
    });
    handle(conn, log, ServersRunsRequest, (raw) => {
      const p = asObject(raw);
      const limit = Math.min(Math.max(Math.trunc(optNumber(p, 'limit') ?? 20), 1), 500);
      return { runs: supervisor.runs(reqString(p, 'serverId', 512), limit) };
    });
    const off = supervisor.onDidChange((server) => {
      if (!conn.closed) void conn.rpc.sendNotification(ServerDidChangeNotification, { server }).catch(() => undefined);
    });
    conn.onClose(off);
  };
}
