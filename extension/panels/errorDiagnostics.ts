/**
 * Errors as diagnostics: a span that recorded an exception, or an uncaught exception a server wrote
 * to its log, becomes an error in the Problems view at the mapped source line of its first project
 * frame (or the span's own code location), with the message, the server, the time and the trace id. A server's diagnostics are cleared when it runs
 * from a new build. The daemon has no "new error" notification, so error traces are polled while
 * connected, only from the last poll on; `runlens.diagnostics.errors` turns this off.
 */
import * as vscode from 'vscode';
import { GetTraceRequest, ListTracesRequest, SearchLogsRequest } from '../../shared/protocol';
import type { SpanRecord } from '../../shared/telemetry/model';
import type { DaemonClient } from '../daemonClient';
import { DisposableStore } from '../disposables';
import type { ServerStore } from '../servers/serverStore';
import { exceptionsFromLogs } from './logExceptions';
import type { SourceTarget } from './sourceNavigator';

const POLL_MS = 10_000;
/** On start, errors of the last quarter hour are shown. */
const LOOK_BACK_MS = 15 * 60_000;
const MAX_TRACES_PER_POLL = 50;
const MAX_LOG_LINES_PER_POLL = 2000;

export interface ErrorDiagnosticsDeps {
  client: DaemonClient;
  store: ServerStore;
  log: vscode.LogOutputChannel;
  resolve(span: Pick<SpanRecord, 'attributes' | 'events'>): SourceTarget;
  enabled(): boolean;
}

interface Entry {
  uri: vscode.Uri;
  diagnostic: vscode.Diagnostic;
}

/** The exception a span recorded: message and the span to resolve (stack frames first). */
export function spanException(span: SpanRecord): { message: string; type?: string } | undefined {
  const event = (span.events ?? []).find((e) => e.name === 'exception');
  const attrs = event?.attributes ?? {};
  if (!event && span.status !== 2) return undefined;
  const message = attrs['exception.message'] ?? span.statusMessage ?? (span.status === 2 ? `${span.name} failed` : undefined);
  if (message === undefined) return undefined;
  const type = attrs['exception.type'];
  return { message: String(message), type: typeof type === 'string' ? type : undefined };
}

export class ErrorDiagnostics implements vscode.Disposable {
  private readonly scope = new DisposableStore();
  private readonly collection = vscode.languages.createDiagnosticCollection('runlens');
  private readonly byServer = new Map<string, { buildId?: string; entries: Entry[] }>();
  private readonly seen = new Set<string>();
  private since = Date.now() - LOOK_BACK_MS;
  private busy = false;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly deps: ErrorDiagnosticsDeps) {
    this.scope.add(this.collection);
    this.scope.add(deps.store.onDidChange(() => this.clearRebuilt()));
    this.timer = setInterval(() => this.tick(), POLL_MS);
  }

  private tick(): void {
    if (!this.deps.enabled()) {
      this.clearAll();
      return;
    }
    if (this.busy || this.deps.client.state.kind !== 'connected') return;
    this.busy = true;
    this.poll()
      .catch((err: unknown) => this.deps.log.warn(`error diagnostics: ${String(err)}`))
      .finally(() => {
        this.busy = false;
      });
  }

  private async poll(): Promise<void> {
    const from = this.since;
    this.since = Date.now();
    // Overlap a little: a trace whose spans arrive late is listed again, and `seen` drops repeats.
    const page = await this.deps.client.request(ListTracesRequest, { status: 'error', fromMs: from - 30_000, sort: 'start', order: 'desc', limit: MAX_TRACES_PER_POLL });
    for (const summary of page.items) {
      if (this.seen.has(summary.traceId)) continue;
      this.seen.add(summary.traceId);
      const trace = await this.deps.client.request(GetTraceRequest, { traceId: summary.traceId });
      for (const span of trace.spans) this.addSpan(span);
    }
    await this.pollLogs(from - 30_000);
    this.publish();
  }

  /** Uncaught exceptions in server output (stderr lines are `warn` or above). */
  private async pollLogs(fromMs: number): Promise<void> {
    const page = await this.deps.client.request(SearchLogsRequest, { source: 'server', level: 'warn', fromMs, limit: MAX_LOG_LINES_PER_POLL });
    for (const e of exceptionsFromLogs(page.items)) {
      const id = `${e.runId ?? ''}:${e.timeMs}:${e.message}`;
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      const target = this.deps.resolve({ attributes: { 'code.stacktrace': e.stack } });
      if (target.ok) this.add(e.serverId, target, `${e.message} (${e.serverId ?? 'unknown server'}, ${new Date(e.timeMs).toLocaleTimeString()}, uncaught; Runlens: Show Logs)`);
    }
  }

  private addSpan(span: SpanRecord): void {
    const error = spanException(span);
    if (!error) return;
    // The stack says where it was thrown; the span's code.* only where the span began.
    let target = this.deps.resolve({ attributes: {}, events: span.events });
    if (!target.ok) target = this.deps.resolve(span);
    if (!target.ok) return;
    const server = span.serverId ?? span.service ?? 'unknown server';
    const time = new Date(Number(span.startTimeUnixNano.slice(0, -6))).toLocaleTimeString();
    this.add(span.serverId, target,
      `${error.type ? `${error.type}: ` : ''}${error.message} (${server}, ${time}, span ${span.name}; Runlens: Open Traces, trace ${span.traceId})`);
  }

  private add(serverId: string | undefined, target: SourceTarget & { ok: true }, message: string): void {
    const at = new vscode.Position(target.line - 1, Math.max(0, target.column - 1));
    const diagnostic = new vscode.Diagnostic(new vscode.Range(at, at.translate(0, 1)), message, vscode.DiagnosticSeverity.Error);
    diagnostic.source = 'Runlens';
    diagnostic.code = 'runtime-error';
    const key = serverId ?? '';
    const bucket = this.byServer.get(key) ?? { buildId: serverId ? this.deps.store.get(serverId)?.buildId : undefined, entries: [] };
    bucket.entries.push({ uri: vscode.Uri.file(target.file), diagnostic });
    this.byServer.set(key, bucket);
  }

  /** A server now running from another build: its old errors no longer describe the code. */
  private clearRebuilt(): void {
    let changed = false;
    for (const [serverId, bucket] of this.byServer) {
      const now = this.deps.store.get(serverId)?.buildId;
      if (serverId && now !== undefined && bucket.buildId !== undefined && now !== bucket.buildId) {
        this.byServer.delete(serverId);
        changed = true;
      }
    }
    if (changed) this.publish();
  }

  private clearAll(): void {
    if (this.byServer.size === 0) return;
    this.byServer.clear();
    this.collection.clear();
  }

  private publish(): void {
    const byFile = new Map<string, { uri: vscode.Uri; list: vscode.Diagnostic[] }>();
    for (const bucket of this.byServer.values()) {
      for (const e of bucket.entries) {
        const item = byFile.get(e.uri.toString()) ?? { uri: e.uri, list: [] };
        item.list.push(e.diagnostic);
        byFile.set(e.uri.toString(), item);
      }
    }
    this.collection.clear();
    for (const { uri, list } of byFile.values()) this.collection.set(uri, list);
  }

  dispose(): void {
    clearInterval(this.timer);
    this.scope.dispose();
  }
}
