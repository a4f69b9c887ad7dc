/**
 * Owns the traces and metrics panels: one of each per window, opened by their commands or brought
 * back after a reload by the serializers VS Code calls with the state the webview saved. Also the
 * editor side of jump-to-source: resolve with sourceNavigator, then show the file at the position.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { SpanRecord } from '../../shared/telemetry/model';
import { parseMetricsQuery, type MetricsPanelState } from '../../shared/webview/metrics';
import { DEFAULT_WINDOW, parseWindow, type TimeWindow } from '../../shared/webview/range';
import { parseFilter, type TraceFilter, type TracesPanelState } from '../../shared/webview/traces';
import type { DaemonClient } from '../daemonClient';
import { DisposableStore } from '../disposables';
import type { ServerStore } from '../servers/serverStore';
import { ErrorDiagnostics } from './errorDiagnostics';
import { MetricsPanel, METRICS_VIEW_TYPE } from './metricsPanel';
import { panelOptions } from './panelHtml';
import { resolveSpanSource, type NavigatorDeps } from './sourceNavigator';
import { TracesPanel, TRACES_VIEW_TYPE, type PanelDeps } from './tracesPanel';

export interface PanelsOptions {
  client: DaemonClient;
  store: ServerStore;
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  runlensHome: string;
  /** Whether span exceptions are shown as diagnostics (setting `runlens.diagnostics.errors`). */
  errorDiagnostics(): boolean;
  /** Where the time range both panels share is kept (the workspace's state). */
  memento: vscode.Memento;
}

const WINDOW_KEY = 'runlens.panels.timeWindow';

function fileDeps(home: string): NavigatorDeps {
  return {
    workspaceFolders: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
    runlensHome: home,
    realpath: (p) => {
      try {
        return fs.realpathSync(p);
      } catch {
        return undefined;
      }
    },
    readFile: (p) => {
      try {
        return fs.readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

/** Parses state a webview saved; anything malformed is dropped rather than trusted. */
function tracesState(raw: unknown): TracesPanelState | undefined {
  try {
    const o = raw as Record<string, unknown>;
    return { filter: parseFilter(o.filter), live: o.live !== false, selectedTraceId: typeof o.selectedTraceId === 'string' ? o.selectedTraceId : undefined };
  } catch {
    return undefined;
  }
}

function metricsState(raw: unknown): MetricsPanelState | undefined {
  try {
    return { query: parseMetricsQuery((raw as Record<string, unknown>).query) };
  } catch {
    return undefined;
  }
}

export class Panels implements vscode.Disposable {
  private readonly scope = new DisposableStore();
  private traces: TracesPanel | undefined;
  private metrics: MetricsPanel | undefined;
  private readonly deps: PanelDeps;

  constructor(private readonly opts: PanelsOptions) {
    this.deps = { ...opts, openSpanSource: (span) => this.openSpanSource(span) };
    this.scope.add(new ErrorDiagnostics({
      ...opts, resolve: (span) => resolveSpanSource(span, fileDeps(opts.runlensHome)), enabled: opts.errorDiagnostics,
    }));
    this.scope.add(vscode.window.registerWebviewPanelSerializer(TRACES_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        this.traces?.dispose();
        this.traces = this.makeTraces(panel, tracesState(state));
      },
    }));
    this.scope.add(vscode.window.registerWebviewPanelSerializer(METRICS_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        this.metrics?.dispose();
        this.metrics = this.makeMetrics(panel, metricsState(state));
      },
    }));
  }

  openTraces(filter?: TraceFilter): void {
    if (!this.traces) {
      const panel = vscode.window.createWebviewPanel(TRACES_VIEW_TYPE, 'Runlens Traces', vscode.ViewColumn.Active, panelOptions(this.opts.extensionUri));
      this.traces = this.makeTraces(panel, undefined);
    } else this.traces.reveal();
    if (filter) this.traces.showFiltered(filter);
  }

  openMetrics(): void {
    if (this.metrics) return this.metrics.reveal();
    const panel = vscode.window.createWebviewPanel(METRICS_VIEW_TYPE, 'Runlens Metrics', vscode.ViewColumn.Active, panelOptions(this.opts.extensionUri));
    this.metrics = this.makeMetrics(panel, undefined);
  }

  /** The range both panels show, as last picked in either; a malformed stored value is dropped. */
  private sharedWindow(): TimeWindow {
    try {
      return parseWindow(this.opts.memento.get(WINDOW_KEY) ?? DEFAULT_WINDOW);
    } catch {
      return DEFAULT_WINDOW;
    }
  }

  private setSharedWindow(window: TimeWindow, from: 'traces' | 'metrics'): void {
    void this.opts.memento.update(WINDOW_KEY, window);
    if (from === 'traces') this.metrics?.applyRange(window);
    else this.traces?.applyRange(window);
  }

  private makeTraces(panel: vscode.WebviewPanel, state: TracesPanelState | undefined): TracesPanel {
    const made: TracesPanel = new TracesPanel(panel, this.deps, state, {
      rangeChanged: (window) => this.setSharedWindow(window, 'traces'),
      onDispose: () => {
        if (this.traces === made) this.traces = undefined;
      },
    }, this.sharedWindow());
    return made;
  }

  private makeMetrics(panel: vscode.WebviewPanel, state: MetricsPanelState | undefined): MetricsPanel {
    const made: MetricsPanel = new MetricsPanel(panel, this.deps, state, {
      openSlowTraces: (filter) => this.openTraces(filter),
      rangeChanged: (window) => this.setSharedWindow(window, 'metrics'),
      onDispose: () => {
        if (this.metrics === made) this.metrics = undefined;
      },
    }, this.sharedWindow());
    return made;
  }

  /** Opens the span's code beside the panel, or says why not (in the panel and as a message). */
  async openSpanSource(span: SpanRecord): Promise<{ ok: boolean; message: string }> {
    const target = resolveSpanSource(span, fileDeps(this.opts.runlensHome));
    if (!target.ok) {
      this.opts.log.info(`source of span ${span.spanId} (${span.name}): ${target.message}`);
      if (target.reason === 'refused') void vscode.window.showWarningMessage(`Runlens: ${target.message}`);
      else void vscode.window.showInformationMessage(`Runlens: ${target.message}`);
      return { ok: false, message: target.message };
    }
    const position = new vscode.Position(target.line - 1, Math.max(0, target.column - 1));
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(target.file));
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, selection: new vscode.Range(position, position), preview: true });
    const via = target.via.length ? ` (via ${target.via.join(', ')})` : '';
    this.opts.log.info(`opened ${target.file}:${target.line}:${target.column} for span ${span.name}${via}`);
    return { ok: true, message: `${target.file}:${target.line}` };
  }

  dispose(): void {
    this.traces?.dispose();
    this.metrics?.dispose();
    this.scope.dispose();
  }
}
