/**
 * The daemon's services and the protocol areas that expose them. This is where a new area plugs in:
 * create its service here (with what it needs passed in), add its registrar to `areas`, and stop it
 * in `stop`. Services never reach for globals, so tests can build any one of them alone.
 */
import type { StatePaths } from '../shared/node/stateDir';
import type { AreaRegistrar } from './daemon';
import type { Logger } from './log';
import { BuildService, buildSettingsFromEnv } from './builds/service';
import { registerBuildHandlers } from './rpc/buildsHandlers';
import { registerTelemetryHandlers } from './rpc/telemetryHandlers';
import { openClickHouseStore } from './stores/clickhouse/clickhouseStore';
import { TelemetryService, type RunEnvironmentRequest } from './telemetry/service';
import * as path from 'node:path';
import { processEnvironment } from '../shared/node/processInfo';
import { logsArea } from './rpc/logsHandlers';
import { healthArea } from './rpc/healthHandlers';
import { serversArea } from './rpc/serversHandlers';
import { ProjectServers } from './servers/projectResolver';
import type { ServerSpec } from './servers/spec';
import { Supervisor } from './servers/supervisor';
import { HolePuncher } from './logs/holePuncher';
import { buildLogRecords, serverLineRecords, usageMetrics } from './servers/telemetryBridge';

export interface ServiceDeps {
  paths: StatePaths;
  log: Logger;
}

export interface Services {
  areas: AreaRegistrar[];
  /** Where apps send OTLP (shown in `daemon status`). */
  otlpEndpoint(): string | undefined;
  /** Stops watchers and timers and flushes what must reach disk. Servers keep running. */
  stop(): Promise<void>;
}

function runRequest(spec: ServerSpec, runId: string, runDir: string): RunEnvironmentRequest {
  return { serverId: `${spec.projectId}:${spec.name}`, runId, serviceName: spec.name, observabilityDir: path.join(runDir, 'observability'), mastra: spec.mastra };
}

export async function createServices(deps: ServiceDeps): Promise<Services> {
  // Telemetry first: builds, servers and health feed it through its ingest API.
  const telemetry = TelemetryService.create({ home: deps.paths.home, log: deps.log, openClickHouse: openClickHouseStore });
  // Builds a server runs from are never deleted by build retention (the supervisor comes next).
  const inUse = { check: (_buildId: string): boolean => false };
  const builds = await BuildService.create({
    home: deps.paths.home, log: deps.log, ...buildSettingsFromEnv(process.env, deps.log),
    inUse: (buildId) => inUse.check(buildId),
  });
  // One helper shell punches rotated log heads for every server (see HolePuncher).
  const holes = new HolePuncher();
  const supervisor = new Supervisor({
    stateFile: deps.paths.state,
    projectsDir: path.join(deps.paths.home, 'projects'),
    log: deps.log,
    runEnv: async (spec, runId, runDir) => {
      // The receiver's port is known once telemetry has started listening.
      await telemetry.ready;
      const otel = telemetry.registerRun(runRequest(spec, runId, runDir));
      return { MASTRA_TELEMETRY_DISABLED: '1', ...otel };
    },
    runEnded: (runId) => telemetry.endRun(runId),
    runAdopted: (spec, run) => {
      // The run keeps the environment it was started with: its token and the port it sends to.
      const env = processEnvironment(run.pid) ?? {};
      const req = runRequest(spec, run.runId, run.runDir);
      telemetry.adoptRun(req, env).catch((err: unknown) => deps.log.warn(`${req.serverId}: telemetry of the adopted run: ${(err as Error).message}`));
    },
    lineSink: (serverId, lines) => telemetry.ingestLines(serverLineRecords(serverId, serverId.slice(serverId.indexOf(':') + 1), lines)),
    punchHole: holes.punch,
    usageSink: (samples, at) => telemetry.ingestMetrics(usageMetrics(samples, at)),
  });
  inUse.check = (buildId) => supervisor.usesBuild(buildId);
  supervisor.restore();
  const servers = supervisor;
  const projects = new ProjectServers(builds);
  // Build output is queryable beside app logs: one log record per line, `source: build`.
  builds.onLogLines((batch) => telemetry.ingestLogs(buildLogRecords(batch)));
  return {
    areas: [
      (conn) => registerTelemetryHandlers(conn, telemetry, deps.log),
      (conn) => registerBuildHandlers(conn, builds, deps.log),
      serversArea(servers, projects, deps.log),
      logsArea(servers, deps.log),
      healthArea(servers, deps.log),
    ],
    otlpEndpoint: () => (telemetry.listening() ? telemetry.otlpEndpoint() : undefined),
    stop: async () => {
      // Servers keep running; only their watchers stop. Builds next: their last lines still flow out.
      servers.detachAll();
      await builds.stop();
      await telemetry.stop();
      holes.dispose();
    },
  };
}
