/** `runlens daemon start|stop|status`. */
import { DaemonShutdownRequest, DaemonStatusRequest } from '../../shared/protocol';
import { waitForExit } from '../../shared/node/processInfo';
import { orClosed } from '../../shared/node/rpcClient';
import { statePaths } from '../../shared/node/stateDir';
import { Exit, UsageError } from './args';
import { attach, attachOrStart } from './connect';
import { formatBytes, formatDuration, type Output } from './output';

export async function daemonCommand(verb: string | undefined, home: string, out: Output): Promise<number> {
  switch (verb) {
    case 'start':
      return start(home, out);
    case 'stop':
      return stop(home, out);
    case 'status':
      return status(home, out);
    default:
      throw new UsageError(`unknown 'daemon' command '${verb ?? ''}': use start, stop or status`);
  }
}

async function start(home: string, out: Output): Promise<number> {
  const { connection, daemon, started } = await attachOrStart(home, `runlens daemon start (cli pid ${process.pid})`);
  connection.dispose();
  const what = started ? 'started' : 'already running';
  out.result(
    { running: true, started, pid: daemon?.pid, socket: daemon?.socketPath, home },
    `Runlens daemon ${what}: pid ${daemon?.pid}, socket ${daemon?.socketPath}`,
  );
  return Exit.ok;
}

async function stop(home: string, out: Output): Promise<number> {
  const connection = await attach(home);
  if (!connection) {
    out.result({ running: false, stopped: false, home }, 'Runlens daemon is not running.');
    return Exit.ok;
  }
  const { pid } = await orClosed(connection, connection.sendRequest(DaemonShutdownRequest, { reason: `runlens daemon stop (cli pid ${process.pid})` }));
  connection.dispose();
  if (!(await waitForExit({ pid }, 10_000))) {
    out.error(`daemon pid ${pid} did not exit within 10 s; see ${statePaths(home).log}`, { pid });
    return Exit.failure;
  }
  out.result({ running: false, stopped: true, pid, home }, `Runlens daemon stopped (pid ${pid}).`);
  return Exit.ok;
}

async function status(home: string, out: Output): Promise<number> {
  const connection = await attach(home);
  if (!connection) {
    out.result({ running: false, home }, `Runlens daemon is not running (state dir ${home}).`);
    return Exit.notRunning;
  }
  const s = await orClosed(connection, connection.sendRequest(DaemonStatusRequest, {}));
  connection.dispose();
  const lines = [
    `Runlens daemon ${s.daemon.version} running`,
    `  pid          ${s.daemon.pid}`,
    `  uptime       ${formatDuration(s.uptimeMs)}`,
    `  memory       ${formatBytes(s.rssBytes)}`,
    `  socket       ${s.daemon.socketPath}`,
    `  state dir    ${s.daemon.home}`,
    `  protocol     ${s.daemon.protocolVersion}`,
    `  OTLP         ${s.otlpEndpoint ?? 'not listening'}`,
    `  connections  ${s.connections.length}`,
    ...s.connections.map((c) => `    #${c.id} ${c.kind}${c.name ? ` '${c.name}'` : ''}${c.pid ? ` pid ${c.pid}` : ''}`),
  ];
  out.result({ running: true, ...s }, lines.join('\n'));
  return Exit.ok;
}
