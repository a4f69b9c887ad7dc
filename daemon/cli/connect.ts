/** Connecting the CLI to the daemon: attach to a running one, or start it and say hello. */
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ensureDaemon, tryConnect } from '../../shared/node/launcher';
import { waitForExit } from '../../shared/node/processInfo';
import { openConnection, sayHello } from '../../shared/node/rpcClient';
import { statePaths } from '../../shared/node/stateDir';
import type { DaemonIdentity, HelloResult } from '../../shared/protocol';

export interface Attached {
  connection: MessageConnection;
  daemon?: DaemonIdentity;
  /** True when this call had to start the daemon. */
  started: boolean;
}

/** The daemon bundle sits beside the CLI bundle in dist/. */
export function daemonScript(): string {
  return path.join(__dirname, 'daemon.js');
}

/** Connects to a running daemon without starting one; undefined when none runs. */
export async function attach(home: string): Promise<MessageConnection | undefined> {
  const socket = await tryConnect(statePaths(home).socket);
  return socket ? openConnection(socket) : undefined;
}

/**
 * Connects, starting the daemon when absent, and says hello. A daemon older than this CLI hands
 * over: wait for it to exit, then start this build's daemon.
 */
export async function attachOrStart(home: string, reason: string): Promise<Attached> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const launched = await ensureDaemon({ home, daemonScript: daemonScript(), reason });
    const connection = openConnection(launched.socket);
    let hello: HelloResult;
    try {
      hello = await sayHello(connection, 'cli', 'runlens cli');
    } catch (err) {
      // A daemon that is dying can still accept a connection; try again with a live one.
      connection.dispose();
      if (attempt === 2) throw err;
      continue;
    }
    if (hello.outcome === 'ok') return { connection, daemon: hello.daemon, started: hello.daemon.pid === launched.spawnedPid };
    connection.dispose();
    if (hello.outcome === 'incompatible') throw new Error(hello.message);
    await waitForExit({ pid: hello.daemon.pid }, 10_000);
  }
  throw new Error('the daemon kept handing over; check daemon.log');
}
