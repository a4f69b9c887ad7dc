/**
 * The one owner of the connection to the daemon. It wraps vscode-languageclient: the server options
 * make sure a daemon runs and hand back its socket; when the daemon dies, the error handler restarts
 * the client, which starts a new daemon. Handlers tied to one connection live in `connectionScope`
 * and are disposed when that connection ends.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  State,
  type CloseHandlerResult,
  type ErrorHandlerResult,
  type StreamInfo,
} from 'vscode-languageclient/node';
import { ensureDaemon } from '../shared/node/launcher';
import { waitForExit } from '../shared/node/processInfo';
import { statePaths, type StatePaths } from '../shared/node/stateDir';
import { BUILD, VERSION } from '../shared/buildInfo';
import { DaemonShutdownRequest, HelloRequest, PROTOCOL_VERSION, type DaemonIdentity } from '../shared/protocol';
import type { NotificationType, RequestType } from 'vscode-languageclient/node';
import { DisposableStore } from './disposables';

export type DaemonState =
  | { kind: 'idle' }
  | { kind: 'connecting' }
  | { kind: 'connected'; daemon: DaemonIdentity }
  | { kind: 'reconnecting'; reason: string }
  | { kind: 'failed'; message: string };

export interface DaemonClientOptions {
  extensionPath: string;
  home: string;
  log: vscode.LogOutputChannel;
  workspaceName: string;
  /** Environment for a daemon this client starts: settings the daemon reads at start-up. */
  env?: () => Record<string, string>;
}

/** More unexpected daemon exits than this within the window, and we stop restarting it. */
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 3 * 60_000;
const MAX_RECONNECT_ATTEMPTS = 10;

/** How long a failed state must last before it is announced in a notification. */
const FAILURE_NOTICE_MS = 3000;

/**
 * The language client's own error notifications ("couldn't create connection to server", …)
 * fire during recoveries this owner goes on to complete, and repeat what it reports through its
 * state (status bar) and its own notice: they go to the output channel only.
 */
class QuietLanguageClient extends LanguageClient {
  override error(message: string, data?: unknown): void {
    super.error(message, data, false);
  }
}

export class DaemonClient implements vscode.Disposable {
  readonly paths: StatePaths;
  private client: LanguageClient | undefined;
  private connectionScope = new DisposableStore();
  private readonly scope = new DisposableStore();
  private readonly changed = this.scope.add(new vscode.EventEmitter<DaemonState>());
  readonly onDidChangeState = this.changed.event;
  private current: DaemonState = { kind: 'idle' };
  /** Set when we asked the daemon to go (restart, handover): its closing is not a crash. */
  private expectedClose: { reason: string; pid?: number } | undefined;
  private crashes: number[] = [];
  private unexpectedSince: number | undefined;
  /** The daemon whose connection just closed: its listening socket can outlive the connection briefly. */
  private lostPid: number | undefined;
  private reconnectAttempts = 0;
  private failureNotice: NodeJS.Timeout | undefined;
  /** Notification handlers that live as long as their owner, re-attached on every connection. */
  private readonly handlers = new Set<(client: LanguageClient, scope: DisposableStore) => void>();

  constructor(private readonly opts: DaemonClientOptions) {
    this.paths = statePaths(opts.home);
  }

  get state(): DaemonState {
    return this.current;
  }

  /** Starts the client (and the daemon when needed); resolves once connected or failed. */
  async start(): Promise<void> {
    if (this.client) return;
    // A reconnect keeps its 'reconnecting' state (and its bounded attempts) while the new client starts.
    if (this.current.kind !== 'reconnecting') this.setState({ kind: 'connecting' });
    const client = new QuietLanguageClient('runlens', 'Runlens', () => this.serverStreams(), {
      documentSelector: [],
      outputChannel: this.opts.log,
      errorHandler: {
        error: (): ErrorHandlerResult => ({ action: ErrorAction.Continue, handled: true }),
        closed: () => this.onClosed(),
      },
      initializationFailedHandler: (err) => {
        this.opts.log.error(`daemon handshake failed: ${String(err)}`);
        return false;
      },
    });
    this.client = client;
    this.scope.add(client.onDidChangeState((e) => {
      if (e.newState === State.Running) this.onConnected(client).catch((err: unknown) => this.fail(err));
      else if (e.newState === State.Stopped) this.connectionScope.dispose();
    }));
    try {
      await client.start();
    } catch (err) {
      this.fail(err);
    }
  }

  /** Stops the daemon and connects to a fresh one. Servers keep running across the restart. */
  async restart(): Promise<void> {
    if (!this.client || this.current.kind !== 'connected') {
      await this.reset();
      return this.start();
    }
    const pid = this.current.daemon.pid;
    this.expectedClose = { reason: 'restart requested', pid };
    await this.client.sendRequest(DaemonShutdownRequest, { reason: `Restart Daemon command in '${this.opts.workspaceName}'` });
    await this.waitFor((s) => s.kind === 'connected' && s.daemon.pid !== pid, 15_000);
  }

  /** Sends a request on the current connection, connecting first if needed. */
  async request<P, R>(type: RequestType<P, R, void>, params: P): Promise<R> {
    if (this.current.kind !== 'connected') {
      await this.start();
      await this.waitFor((s) => s.kind === 'connected', 15_000);
    }
    if (!this.client) throw new Error('the Runlens daemon is not connected');
    // The typed overload cannot see through the generic result; the method comes from `type`.
    return this.client.sendRequest<R>(type.method, params);
  }

  /** Handles a notification on this and every later connection, until the result is disposed. */
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): vscode.Disposable {
    const attach = (client: LanguageClient, scope: DisposableStore) => {
      scope.add(client.onNotification(type, handler));
    };
    this.handlers.add(attach);
    if (this.client && this.current.kind === 'connected') attach(this.client, this.connectionScope);
    return { dispose: () => this.handlers.delete(attach) };
  }

  /** Resolves when the state satisfies `predicate`, or rejects after `timeoutMs`. */
  waitFor(predicate: (s: DaemonState) => boolean, timeoutMs: number): Promise<DaemonState> {
    if (predicate(this.current)) return Promise.resolve(this.current);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.dispose();
        reject(new Error(`the Runlens daemon did not reconnect within ${timeoutMs / 1000} s; see the daemon log`));
      }, timeoutMs);
      const sub = this.onDidChangeState((s) => {
        if (!predicate(s)) return;
        clearTimeout(timer);
        sub.dispose();
        resolve(s);
      });
    });
  }

  dispose(): void {
    clearTimeout(this.failureNotice);
    this.connectionScope.dispose();
    // Stopping the client closes our connection only; the daemon and its servers keep running.
    this.client?.stop().catch(() => undefined);
    this.client = undefined;
    this.scope.dispose();
  }

  private async reset(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.connectionScope.dispose();
    if (client) await client.dispose().catch(() => undefined);
  }

  private async serverStreams(): Promise<StreamInfo> {
    const previous = this.expectedClose?.pid ?? this.lostPid;
    // After a handover, restart or crash, wait for the old daemon to go, or we could reach its
    // still-open listening socket and lose the handshake halfway.
    if (previous !== undefined) await waitForExit({ pid: previous }, this.expectedClose ? 10_000 : 2_000);
    this.lostPid = undefined;
    const reason = this.expectedClose
      ? `extension: ${this.expectedClose.reason}`
      : this.unexpectedSince
        ? 'extension: previous daemon connection lost'
        : 'extension: window opened';
    const launched = await ensureDaemon({
      home: this.opts.home,
      daemonScript: path.join(this.opts.extensionPath, 'dist', 'daemon.js'),
      reason: `${reason} ('${this.opts.workspaceName}')`,
      env: this.opts.env?.(),
    });
    if (launched.spawnedPid) this.opts.log.info(`started the daemon (pid ${launched.spawnedPid})`);
    return { reader: launched.socket, writer: launched.socket };
  }

  private async onConnected(client: LanguageClient): Promise<void> {
    this.connectionScope.dispose();
    this.connectionScope = new DisposableStore();
    for (const attach of this.handlers) attach(client, this.connectionScope);
    const hello = await client.sendRequest(HelloRequest, {
      protocolVersion: PROTOCOL_VERSION,
      clientVersion: VERSION,
      clientBuild: BUILD,
      clientKind: 'extension',
      clientName: this.opts.workspaceName,
      clientPid: process.pid,
    });
    if (hello.outcome === 'handover') {
      this.opts.log.info(`daemon ${hello.daemon.version} (pid ${hello.daemon.pid}) is older than this extension; it hands over`);
      this.expectedClose = { reason: 'handover to a newer build', pid: hello.daemon.pid };
      this.setState({ kind: 'reconnecting', reason: 'replacing an older daemon' });
      return;
    }
    if (hello.outcome === 'incompatible') {
      this.fail(new Error(hello.message));
      return;
    }
    const recovered = this.unexpectedSince;
    this.reconnectAttempts = 0;
    this.expectedClose = undefined;
    this.unexpectedSince = undefined;
    this.opts.log.info(`connected to daemon pid ${hello.daemon.pid} (${hello.daemon.version}), connection ${hello.connectionId}`);
    this.setState({ kind: 'connected', daemon: hello.daemon });
    if (recovered !== undefined) this.announceRecovery(hello.daemon, Date.now() - recovered);
  }

  private onClosed(): CloseHandlerResult {
    this.connectionScope.dispose();
    if (this.current.kind === 'connected') this.lostPid = this.current.daemon.pid;
    else if (this.current.kind === 'reconnecting') {
      // A close while reconnecting belongs to the same episode, not another crash; bound the retries.
      if (++this.reconnectAttempts <= MAX_RECONNECT_ATTEMPTS) return this.reconnectFresh();
      const message = `could not reconnect to the Runlens daemon after ${MAX_RECONNECT_ATTEMPTS} attempts; see the daemon log, then run 'Runlens: Restart Daemon'.`;
      this.fail(new Error(message));
      this.client = undefined;
      return { action: CloseAction.DoNotRestart, message, handled: true };
    }
    if (this.expectedClose) {
      this.setState({ kind: 'reconnecting', reason: this.expectedClose.reason });
      return this.reconnectFresh();
    }
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    if (this.crashes.length > MAX_CRASHES) {
      const message = `the Runlens daemon stopped ${this.crashes.length} times in 3 minutes; not restarting it. See the daemon log, then run 'Runlens: Restart Daemon'.`;
      this.fail(new Error(message));
      this.client = undefined;
      return { action: CloseAction.DoNotRestart, message, handled: true };
    }
    this.unexpectedSince = now;
    this.opts.log.warn('lost the connection to the daemon; starting a new one');
    this.setState({ kind: 'reconnecting', reason: 'the daemon stopped unexpectedly' });
    return this.reconnectFresh();
  }

  /**
   * Reconnects with a brand-new LanguageClient instead of letting the old one restart itself: the
   * old connection's late write errors (EPIPE on requests that were in flight when the daemon
   * died) then cannot fail the new handshake and raise error notifications over a recovery.
   */
  private reconnectFresh(): CloseHandlerResult {
    const old = this.client;
    this.client = undefined;
    setTimeout(() => {
      void old?.dispose().catch(() => undefined);
      this.start().catch((err: unknown) => this.fail(err));
    }, 0);
    return { action: CloseAction.DoNotRestart, handled: true };
  }

  private announceRecovery(daemon: DaemonIdentity, tookMs: number): void {
    const text = `Runlens: the daemon stopped unexpectedly; reconnected to a new daemon (pid ${daemon.pid}) in ${(tookMs / 1000).toFixed(1)} s. Servers keep running.`;
    this.opts.log.warn(text);
    void vscode.window.showWarningMessage(text, 'Show Daemon Log').then((pick) => {
      if (pick) void vscode.commands.executeCommand('runlens.showDaemonLog');
    });
  }

  private fail(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.opts.log.error(message);
    this.setState({ kind: 'failed', message });
    // A start can fail halfway through a recovery that then succeeds (the connection it was
    // handshaking on closed): only a failure that lasts is announced.
    clearTimeout(this.failureNotice);
    this.failureNotice = setTimeout(() => {
      if (this.current.kind !== 'failed' || this.current.message !== message) return;
      void vscode.window.showErrorMessage(`Runlens: ${message}`, 'Show Daemon Log').then((pick) => {
        if (pick) void vscode.commands.executeCommand('runlens.showDaemonLog');
      });
    }, FAILURE_NOTICE_MS);
  }

  private setState(state: DaemonState): void {
    this.current = state;
    this.changed.fire(state);
  }
}
