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

export function sayHello(connection: MessageConnection, kind: ClientKind, name?: string): Promise<HelloResult> {
  return connection.sendRequest(HelloRequest, {
    protocolVersion: PROTOCOL_VERSION,
    clientVersion: VERSION,
    clientBuild: BUILD,
    clientKind: kind,
    clientName: name,
    clientPid: process.pid,
  });
}
