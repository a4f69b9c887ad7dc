/**
 * The traces panel, host side. It answers the webview's queries through the daemon client, keeps the
 * spans of the traces it sent (so a source link is resolved from the daemon's data, never from what
 * the webview says), refreshes the first page while live and visible, and opens sources in the editor.
 */
import * as vscode from 'vscode';
import { GetTraceRequest, ListTracesRequest, SearchLogsRequest } from '../../shared/protocol';
import type { SpanRecord } from '../../shared/telemetry/model';
import type { ListTracesParams } from '../../shared/telemetry/query';
import { tryParse } from '../../shared/webview/check';
import { sameWindow, type TimeWindow } from '../../shared/webview/range';
import {
  filterWindow, parseTracesToHost, RANGE_MS, type TraceFilter, type TracesPanelState, type TracesToHost, type TracesToWebview,
} from '../../shared/webview/traces';
import type { DaemonClient } from '../daemonClient';
import { DisposableStore } from '../disposables';
import type { ServerStore } from '../servers/serverStore';
import { panelHtml, panelOptions } from './panelHtml';

export const TRACES_VIEW_TYPE = 'runlens.traces';
const LIVE_REFRESH_MS = 2_000;
/** Traces whose spans stay in memory for source links: the open one and a few before it. */
const KEEP_TRACES = 4;
const TRACE_LOG_LIMIT = 500;

export interface TracesPanelHooks {
  /** The user picked another range here: the metrics panel follows. */
  rangeChanged(window: TimeWindow): void;
  onDispose(): void;
}

export interface PanelDeps {
  client: DaemonClient;
  store: ServerStore;
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  /** Opens a span's code in the editor; resolves to a message when it could not. */
  openSpanSource(span: SpanRecord): Promise<{ ok: boolean; message: string }>;
}

/** Translates the panel's filter into the daemon's query (relative ranges end now). */
export function listParams(filter: TraceFilter, cursor: string | undefined, nowMs: number): ListTracesParams {
  const range = filter.range === 'custom'
    ? { fromMs: filter.fromMs, toMs: filter.toMs }
    : { fromMs: nowMs - RANGE_MS[filter.range], toMs: undefined };
  return {
    ...range,
    serverId: filter.serverId,
    service: filter.service,
    nameContains: filter.nameContains,
    status: filter.status,
    minDurationMs: filter.minDurationMs,
    attribute: filter.attributeKey ? { key: filter.attributeKey, value: filter.attributeValue ?? '' } : undefined,
    sort: filter.sort,
    order: filter.order,
    limit: 100,
    cursor,
  };
}

export class TracesPanel implements vscode.Disposable {
  private readonly scope = new DisposableStore();
  private readonly spans = new Map<string, SpanRecord[]>();
  private last: { filter: TraceFilter; cursor?: string } | undefined;
  private lastLiveJson = '';
  private live: boolean;
  private timer: ReturnType<typeof setInterval> | undefined;
  private querying = false;
  private ready = false;
  private querySeq = 0;
  private pendingFilter: TraceFilter | undefined;
  /** The range the webview should show: its saved one, or the shared one it was opened with or sent since. */
  private window: TimeWindow;
  private savedWindow: TimeWindow | undefined;

  constructor(readonly panel: vscode.WebviewPanel, private readonly deps: PanelDeps, state: TracesPanelState | undefined, private readonly hooks: TracesPanelHooks, shared: TimeWindow) {
    this.live = state?.live ?? true;
    this.savedWindow = state && filterWindow(state.filter);
    this.window = this.savedWindow ?? shared;
    panel.webview.options = panelOptions(deps.extensionUri);
    panel.webview.html = panelHtml(panel.webview, deps.extensionUri, 'traces', 'Runlens Traces');
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'runlens.svg');
    this.scope.add(panel.webview.onDidReceiveMessage((raw: unknown) => {
      const msg = tryParse(parseTracesToHost, raw, (problem) => deps.log.warn(`traces panel: ignored a webview message: ${problem}`));
      if (msg) this.handle(msg).catch((err: unknown) => this.fail(err));
    }));
    this.scope.add(panel.onDidChangeViewState(() => {
      // A hidden webview is torn down (its state is saved) and reloads when shown: until it says
      // `ready` again, messages to it would be lost.
      if (!panel.visible) this.ready = false;
      this.schedule();
    }));
    this.scope.add(panel.onDidDispose(() => {
      this.dispose();
      hooks.onDispose();
    }));
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** Shows the range picked in the metrics panel (now, or once the webview is back). */
  applyRange(window: TimeWindow): void {
    this.window = window;
    if (this.ready) this.post({ type: 'setRange', window });
  }

  /** Shows the list filtered as given (from the metrics panel: the slowest traces of a bucket). */
  showFiltered(filter: TraceFilter): void {
    // A drill-down, not a new shared range: the metrics panel keeps its range.
    this.window = filterWindow(filter);
    if (!this.panel.visible) this.ready = false;
    // The webview applies it to its controls and state, then queries as for any filter change;
    // a webview still loading gets it right after `init`.
    if (this.ready) this.post({ type: 'showFilter', filter });
    else this.pendingFilter = filter;
  }

  private post(message: TracesToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  private servers() {
    return this.deps.store.list().map((s) => ({ id: s.id, label: `${s.name} (${s.projectDir.split(/[\\/]/).pop() ?? s.projectId})` }));
  }

  private async handle(msg: TracesToHost): Promise<void> {
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        this.post({ type: 'init', servers: this.servers(), live: this.live, window: this.savedWindow && sameWindow(this.savedWindow, this.window) ? undefined : this.window });
        if (this.pendingFilter) this.post({ type: 'showFilter', filter: this.pendingFilter });
        this.pendingFilter = undefined;
        return;
      case 'listTraces':
        this.savedWindow = filterWindow(msg.filter);
        await this.query(msg.filter, msg.cursor, false);
        return;
      case 'setRange':
        this.window = msg.window;
        this.hooks.rangeChanged(msg.window);
        return;
      case 'setLive':
        this.live = msg.live;
        this.schedule();
        return;
      case 'openTrace':
        await this.openTrace(msg.traceId);
        return;
      case 'openSource': {
        const span = this.spans.get(msg.traceId)?.find((s) => s.spanId === msg.spanId);
        const result = span ? await this.deps.openSpanSource(span) : { ok: false, message: 'That trace is no longer loaded; open it again.' };
        this.post({ type: 'sourceResult', spanId: msg.spanId, ...result });
      }
    }
  }

  private async query(filter: TraceFilter, cursor: string | undefined, live: boolean): Promise<void> {
    if (!live) this.last = { filter, cursor };
    const seq = live ? this.querySeq : ++this.querySeq;
    this.schedule();
    const page = await this.deps.client.request(ListTracesRequest, listParams(filter, cursor, Date.now()));
    // Answers can overtake each other: only the newest query's page is shown.
    if (seq !== this.querySeq) return;
    if (live) {
      // Most refreshes change nothing; skip re-rendering the table then.
      const json = JSON.stringify(page);
      if (json === this.lastLiveJson) return;
      this.lastLiveJson = json;
    }
    this.post({ type: 'traces', items: page.items, cursor, nextCursor: page.nextCursor, live });
  }

  private async openTrace(traceId: string): Promise<void> {
    const [trace, logs] = await Promise.all([
      this.deps.client.request(GetTraceRequest, { traceId }),
      this.deps.client.request(SearchLogsRequest, { traceId, limit: TRACE_LOG_LIMIT }).catch(() => ({ items: [] })),
    ]);
    if (trace.spans.length === 0) {
      this.post({ type: 'error', message: `Trace ${traceId} has no spans in the store (it may have expired).` });
      return;
    }
    this.spans.delete(traceId);
    this.spans.set(traceId, trace.spans);
    while (this.spans.size > KEEP_TRACES) this.spans.delete(this.spans.keys().next().value as string);
    // Logs come newest first; the trace reads top to bottom in time.
    this.post({ type: 'trace', traceId, spans: trace.spans, logs: [...logs.items].reverse() });
  }

  /** Live refresh runs only while the panel is visible, live, and on the first page. */
  private schedule(): void {
    const want = this.live && this.panel.visible && this.last !== undefined && this.last.cursor === undefined;
    if (want && !this.timer) {
      this.timer = setInterval(() => this.refresh(), LIVE_REFRESH_MS);
    } else if (!want && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private refresh(): void {
    if (this.querying || !this.last) return;
    this.querying = true;
    this.query(this.last.filter, undefined, true)
      .catch((err: unknown) => this.deps.log.warn(`traces panel: live refresh failed: ${String(err)}`))
      .finally(() => {
        this.querying = false;
      });
  }

  private fail(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.deps.log.error(`traces panel: ${message}`);
    this.post({ type: 'error', message });
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.scope.dispose();
  }
}
