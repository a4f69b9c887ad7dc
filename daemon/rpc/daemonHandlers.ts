/** Handlers for the `daemon` area: hello (with handover), status, shutdown. */
import {
  DaemonShutdownRequest,
  DaemonStatusRequest,
  HelloRequest,
  type ClientKind,
  type DaemonIdentity,
  type HelloResult,
  type LoopDelayWindow,
} from '../../shared/protocol';
import { asObject, optNumber, optString, reqNumber, reqOneOf, reqString } from '../../shared/protocol/validate';
import { compareBuilds } from '../../shared/version';
import type { ClientConnection } from './connection';
import { handle } from './handle';
import type { Logger } from '../log';

/** What the handlers need from the daemon; passed in so they can be tested alone. */
export interface DaemonControl {
  identity(): DaemonIdentity;
  connections(): ClientConnection[];
  /** Stops the daemon after the current response has been written. */
  shutdown(reason: string): void;
  /** The OTLP receiver's address, once telemetry is running. */
  otlpEndpoint?(): string | undefined;
  loopDelay?(): LoopDelayWindow | undefined;
  log: Logger;
}

const CLIENT_KINDS: readonly ClientKind[] = ['extension', 'cli', 'test'];

export function registerDaemonHandlers(conn: ClientConnection, daemon: DaemonControl): void {
  handle(conn, daemon.log, HelloRequest, (raw) => {
    const p = asObject(raw);
    const client = {
      protocolVersion: reqNumber(p, 'protocolVersion'),
      version: reqString(p, 'clientVersion', 64),
      build: reqNumber(p, 'clientBuild'),
    };
    conn.info.kind = reqOneOf(p, 'clientKind', CLIENT_KINDS);
    conn.info.name = optString(p, 'clientName', 256);
    conn.info.pid = optNumber(p, 'clientPid');
    return hello(conn, daemon, client);
  });

  handle(conn, daemon.log, DaemonStatusRequest, () => {
    const me = daemon.identity();
    const m = process.memoryUsage();
    return {
      daemon: me,
      uptimeMs: Date.now() - me.startedAt,
      connections: daemon.connections().map((c) => ({ ...c.info })),
      rssBytes: m.rss,
      memory: { heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external, arrayBuffersBytes: m.arrayBuffers },
      otlpEndpoint: daemon.otlpEndpoint?.(),
      loopDelay: daemon.loopDelay?.(),
    };
  });

  handle(conn, daemon.log, DaemonShutdownRequest, (raw) => {
    const reason = reqString(asObject(raw), 'reason', 512);
    daemon.shutdown(`requested by connection ${conn.info.id} (${conn.info.kind}): ${reason}`);
    return { pid: process.pid };
  });
}

function hello(
  conn: ClientConnection,
  daemon: DaemonControl,
  client: { protocolVersion: number; version: string; build: number },
): HelloResult {
  const me = daemon.identity();
  const order = compareBuilds(client, { protocolVersion: me.protocolVersion, version: me.version, build: me.build });
  const who = `connection ${conn.info.id} (${conn.info.kind}${conn.info.name ? ` '${conn.info.name}'` : ''}, pid ${conn.info.pid ?? '?'})`;
  if (order > 0) {
    daemon.log.info(`${who} runs a newer build (${client.version}/${client.build}); handing over`);
    daemon.shutdown(`handover to newer client ${client.version}/${client.build}`);
    return { outcome: 'handover', daemon: me };
  }
  if (client.protocolVersion < me.protocolVersion) {
    const message =
      `this client speaks protocol ${client.protocolVersion}, the daemon ${me.protocolVersion}; ` +
      'update the extension or CLI to match the daemon';
    daemon.log.warn(`${who}: ${message}`);
    return { outcome: 'incompatible', daemon: me, message };
  }
  daemon.log.info(`${who} said hello (client ${client.version}, protocol ${client.protocolVersion})`);
  return { outcome: 'ok', daemon: me, connectionId: conn.info.id };
}
