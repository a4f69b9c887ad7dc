/**
 * One client connection: a vscode-languageserver connection over the socket, so the extension's
 * LanguageClient gets its `initialize` handshake, while the CLI may skip it and call directly.
 * The node flavour of vscode-languageserver exits the process when its stream ends or its client
 * process dies; a daemon serving many clients must outlive each of them, so this builds the
 * connection from the common flavour with a watchdog that only closes this one connection.
 */
import type * as net from 'node:net';
import { createConnection, createProtocolConnection, type Connection, type WatchDog } from 'vscode-languageserver';
import { SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import { daemonMessageEncoder } from './messageEncoder';
import type { ConnectionInfo } from '../../shared/protocol';
import type { Logger } from '../log';
import { describeViolation, FrameGuard } from './frameGuard';

export interface ClientConnection {
  readonly info: ConnectionInfo;
  readonly rpc: Connection;
  /** Closes the connection; `graceful` lets already-written responses reach the peer first. */
  close(reason: string, graceful?: boolean): void;
  /** Runs `dispose` when the connection closes: subscriptions made by this client end with it. */
  onClose(dispose: () => void): void;
  readonly closed: boolean;
}

/** Largest single message accepted; protects the daemon from a peer announcing gigabytes. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export function openClientConnection(
  socket: net.Socket,
  id: number,
  log: Logger,
  onClosed: (conn: ClientConnection) => void,
): ClientConnection {
  let closed = false;
  const cleanups: (() => void)[] = [];
  const info: ConnectionInfo = { id, kind: 'unknown', connectedAt: Date.now() };
  const watchDog: WatchDog = {
    shutdownReceived: false,
    initialize: () => undefined,
    exit: () => conn.close('client sent exit'),
  };
  const reader = new SocketMessageReader(socket);
  const writer = new SocketMessageWriter(socket, { contentTypeEncoder: daemonMessageEncoder() });
  const rpc = createConnection(() => createProtocolConnection(reader, writer), watchDog);

  const conn: ClientConnection = {
    info,
    rpc,
    get closed() {
      return closed;
    },
    onClose(dispose) {
      if (closed) dispose();
      else cleanups.push(dispose);
    },
    close(reason: string, graceful = false) {
      if (closed) return;
      closed = true;
      log.info(`connection ${id} closed: ${reason}`);
      if (graceful) {
        // end() flushes queued writes (a shutdown reply, say) before closing; destroy if the peer stalls.
        socket.end();
        setTimeout(() => socket.destroy(), 1000).unref();
      } else {
        socket.destroy();
      }
      for (const dispose of cleanups.splice(0)) {
        try {
          dispose();
        } catch (err) {
          log.error(`connection ${id}: cleanup failed: ${(err as Error).message}`);
        }
      }
      rpc.dispose();
      onClosed(conn);
    },
  };

  const guard = new FrameGuard(MAX_MESSAGE_BYTES);
  socket.on('data', (chunk: Buffer) => {
    const violation = guard.push(chunk);
    if (violation) conn.close(`malformed input: peer ${describeViolation(violation, MAX_MESSAGE_BYTES)}`);
  });
  reader.onError((err) => conn.close(`malformed input (${err.message})`));
  writer.onError(([err]) => conn.close(`write failed (${err.message})`));
  socket.on('close', () => conn.close('peer disconnected'));
  socket.on('error', (err) => conn.close(`socket error (${err.message})`));
  return conn;
}
