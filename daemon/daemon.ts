/**
 * The daemon: owns the listening socket and the client connections, and stops cleanly. Areas of
 * the protocol register their handlers on each new connection through `registerAreas`.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { PROTOCOL_VERSION, type DaemonIdentity } from '../shared/protocol';
import type { LoopDelayWindow } from '../shared/protocol/daemon';
import type { StatePaths } from '../shared/node/stateDir';
import { openClientConnection, type ClientConnection } from './rpc/connection';
import { registerDaemonHandlers, type DaemonControl } from './rpc/daemonHandlers';
import type { Logger } from './log';
import { LoopDelayMonitor } from './loopDelay';

/** Registers one protocol area's handlers on a new connection (see daemon/services.ts). */
export type AreaRegistrar = (conn: ClientConnection) => void;

export interface DaemonOptions {
  paths: StatePaths;
  version: string;
  build: number;
  log: Logger;
  /** Every protocol area besides `daemon` itself. */
  areas: AreaRegistrar[];
  /** The OTLP receiver's address, for `daemon status`. */
  otlpEndpoint?: () => string | undefined;
  /** Runs before connections close on shutdown: services stop watching, flush and release. */
  beforeStop?: () => Promise<void>;
  /** Called once every connection is closed and the socket removed; the entry point exits. */
  onStopped: (reason: string) => void;
}

export class Daemon implements DaemonControl {
  readonly log: Logger;
  private readonly server = net.createServer();
  private readonly open = new Set<ClientConnection>();
  private readonly sockets = new Set<net.Socket>();
  private nextId = 1;
  private stopping = false;
  private readonly startedAt = Date.now();
  private readonly loop = new LoopDelayMonitor();

  constructor(private readonly opts: DaemonOptions) {
    this.log = opts.log;
    this.server.on('connection', (socket) => this.accept(socket));
    this.server.on('error', (err) => this.log.error(`socket server error: ${err.message}`));
  }

  /** Listens on the socket; the caller holds the lock, so any socket file left there is stale. */
  async listen(): Promise<void> {
    const { socket } = this.opts.paths;
    if (process.platform !== 'win32' && fs.existsSync(socket)) {
      this.log.warn(`removing stale socket ${socket} left by a daemon that did not shut down`);
      fs.rmSync(socket, { force: true });
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(socket, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    // The umask already made it 0600; chmod again in case the platform ignores umask for sockets.
    if (process.platform !== 'win32') fs.chmodSync(socket, 0o600);
  }

  identity(): DaemonIdentity {
    return {
      pid: process.pid,
      version: this.opts.version,
      build: this.opts.build,
      protocolVersion: PROTOCOL_VERSION,
      startedAt: this.startedAt,
      home: this.opts.paths.home,
      socketPath: this.opts.paths.socket,
    };
  }

  otlpEndpoint(): string | undefined {
    return this.opts.otlpEndpoint?.();
  }

  loopDelay(): LoopDelayWindow | undefined {
    return this.loop.lastWindow();
  }

  connections(): ClientConnection[] {
    return [...this.open];
  }

  shutdown(reason: string): void {
    if (this.stopping) return;
    this.stopping = true;
    this.loop.dispose();
    this.log.info(`shutting down: ${reason}`);
    // Stop accepting at once, so a client starting a successor never reaches this daemon.
    this.server.close();
    if (process.platform !== 'win32') fs.rmSync(this.opts.paths.socket, { force: true });
    const beforeStop = this.opts.beforeStop?.().catch((err: unknown) => this.log.error(`stopping services failed: ${String(err)}`));
    void (async () => {
      await new Promise((r) => setTimeout(r, 50));
      await beforeStop;
      // vscode-jsonrpc writes a reply from a setImmediate callback. Stopping services can block the
      // loop long enough for timers to run first, so yield to the check phase before closing, or the
      // reply to the shutdown or hello request that brought us here would be dropped.
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      for (const conn of this.open) conn.close('daemon shutting down', true);
      this.drained(reason);
    })();
  }

  /** Exits once every socket has flushed and closed, or after a short grace period. */
  private drained(reason: string): void {
    const deadline = Date.now() + 1000;
    const check = (): void => {
      if (this.sockets.size === 0 || Date.now() > deadline) this.opts.onStopped(reason);
      else setTimeout(check, 10);
    };
    check();
  }

  private accept(socket: net.Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const id = this.nextId++;
    const conn = openClientConnection(socket, id, this.log, (c) => this.open.delete(c));
    this.open.add(conn);
    registerDaemonHandlers(conn, this);
    for (const register of this.opts.areas) register(conn);
    conn.rpc.listen();
    this.log.info(`connection ${id} opened (${this.open.size} open)`);
  }
}
