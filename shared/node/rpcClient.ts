/**
 * A plain JSON-RPC connection to the daemon over its socket, for the CLI and tests. The extension
 * uses vscode-languageclient instead, over the same socket and the same protocol constants.
 */
import type * as net from 'node:net';
import {
  createMessageConnection,
  SocketMessageReader,
  SocketMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { HelloRequest, PROTOCOL_VERSION, type ClientKind, type HelloResult } from '../protocol';
import { BUILD, VERSION } from '../buildInfo';

export function openConnection(socket: net.Socket): MessageConnection {
  const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  connection.onClose(() => socket.destroy());
  connection.listen();
  return connection;
}

/**
 * vscode-jsonrpc leaves a request pending forever when the connection closes before the answer;
 * this rejects instead, so callers can retry or report the lost daemon.
 */
export function orClosed<T>(connection: MessageConnection, request: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // A reply and the close can arrive together; vscode-jsonrpc handles queued messages on a later
    // tick than the close event, so give the reply that chance before calling it lost.
    const closed = connection.onClose(() => setTimeout(() => reject(new Error('the connection to the daemon closed before it answered')), 50));
    const failed = connection.onError(([err]) => reject(err));
    request.then(resolve, reject).finally(() => {
      closed.dispose();
      failed.dispose();
    });
  });
}

export function sayHello(connection: MessageConnection, kind: ClientKind, name?: string): Promise<HelloResult> {
  return orClosed(connection, connection.sendRequest(HelloRequest, {
    protocolVersion: PROTOCOL_VERSION,
    clientVersion: VERSION,
    clientBuild: BUILD,
    clientKind: kind,
    clientName: name,
    clientPid: process.pid,
  }));
}
