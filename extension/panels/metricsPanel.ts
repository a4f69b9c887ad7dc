/**
 * The metrics panel, host side: for one server and range it asks the daemon for CPU and memory (the
 * health poller's samples), request rate, errors and latency percentiles (from server spans), and one
 * app metric picked by name, and sends them to the webview; refreshed while the panel is visible.
 */
import * as vscode from 'vscode';
import { ListMetricsRequest, MetricSeriesRequest, ServerStatsRequest } from '../../shared/protocol';
import { tryParse } from '../../shared/webview/check';
import {
  CPU_METRIC, parseMetricsToHost, RSS_METRIC, type MetricsPanelState, type MetricsQuery, type MetricsToHost, type MetricsToWebview,
} from '../../shared/webview/metrics';
import { sameWindow, windowBounds, type TimeWindow } from '../../shared/webview/range';
import type { TraceFilter } from '../../shared/webview/traces';
import { DisposableStore } from '../disposables';
import { panelHtml, panelOptions } from './panelHtml';
import type { PanelDeps } from './tracesPanel';

export const METRICS_VIEW_TYPE = 'runlens.metrics';
const REFRESH_MS = 5_000;
/** About this many buckets across the chart, whatever the range. */
const BUCKETS = 120;

export interface MetricsPanelHooks {
  openSlowTraces(filter: TraceFilter): void;
  /** The user picked another range here: the traces panel follows. */
  rangeChanged(window: TimeWindow): void;
  onDispose(): void;
}

/** Bucket width for a range: at least a second, rounded to whole seconds. */
export function bucketFor(rangeMs: number): number {
  return Math.max(1000, Math.round(rangeMs / BUCKETS / 1000) * 1000);
}

export class MetricsPanel implements vscode.Disposable {
  private readonly scope = new DisposableStore();
  private query: MetricsQuery | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private busy = false;
  /** Whether the webview is loaded and listening (a hidden one is torn down and reloads). */
  private ready = false;
  /** The range the webview should show: its saved one, or the shared one it was opened with or sent since. */
  private window: TimeWindow;

  constructor(readonly panel: vscode.WebviewPanel, private readonly deps: PanelDeps, state: MetricsPanelState | undefined, private readonly hooks: MetricsPanelHooks, shared: TimeWindow) {
    this.query = state?.query;
    this.window = state?.query ?? shared;
    panel.webview.options = panelOptions(deps.extensionUri);
    panel.webview.html = panelHtml(panel.webview, deps.extensionUri, 'metrics', 'Runlens Metrics');
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'runlens.svg');
    this.scope.add(panel.webview.onDidReceiveMessage((raw: unknown) => {
      const msg = tryParse(parseMetricsToHost, raw, (problem) => deps.log.warn(`metrics panel: ignored a webview message: ${problem}`));
      if (msg) this.handle(msg).catch((err: unknown) => this.fail(err));
    }));
    this.scope.add(panel.onDidChangeViewState(() => {
      if (!panel.visible) this.ready = false;
      this.schedule();
    }));
    this.scope.add(deps.store.onDidChange(() => this.post({ type: 'init', servers: this.servers() })));
    this.scope.add(panel.onDidDispose(() => {
      this.dispose();
      hooks.onDispose();
    }));
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** Shows the range picked in the traces panel (now, or once the webview is back). */
  applyRange(window: TimeWindow): void {
    this.window = window;
    if (this.ready) this.post({ type: 'setRange', window });
  }

  private post(message: MetricsToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  private servers() {
    return this.deps.store.list().map((s) => ({ id: s.id, label: `${s.name} (${s.status})` }));
  }

  private async handle(msg: MetricsToHost): Promise<void> {
    switch (msg.type) {
      case 'ready': {
        this.ready = true;
        const saved = this.query;
        this.post({ type: 'init', servers: this.servers(), window: saved && sameWindow(saved, this.window) ? undefined : this.window });
        return;
      }
      case 'setRange':
        this.window = msg.window;
        this.hooks.rangeChanged(msg.window);
        return;
      case 'query':
        this.query = msg.query;
        this.schedule();
        await this.load(msg.query);
        return;
      case 'openSlowTraces':
        this.hooks.openSlowTraces({ range: 'custom', fromMs: msg.fromMs, toMs: msg.toMs, serverId: msg.serverId, sort: 'duration', order: 'desc' });
    }
  }

  private async load(q: MetricsQuery): Promise<void> {
    const { fromMs, toMs } = windowBounds(q, Date.now());
    const bucketMs = bucketFor(toMs - fromMs);
    const serverId = q.serverId;
    const series = (name: string, aggregation: MetricsQuery['appAggregation'], groupBy?: string) =>
      this.deps.client.request(MetricSeriesRequest, { name, fromMs, toMs, bucketMs, aggregation, serverId, groupBy });
    const [cpu, rss, stats, app, metrics] = await Promise.all([
      series(CPU_METRIC, 'avg'),
      series(RSS_METRIC, 'avg'),
      this.deps.client.request(ServerStatsRequest, { serverId, fromMs, toMs, bucketMs }),
      q.appMetric ? series(q.appMetric, q.appAggregation, q.groupBy) : Promise.resolve(undefined),
      this.deps.client.request(ListMetricsRequest, { fromMs, toMs, serverId }),
    ]);
    this.post({
      type: 'series', serverId, fromMs, toMs, bucketMs,
      cpu: cpu.points, rss: rss.points, red: stats.points,
      app: app && { name: app.name, unit: app.unit, points: app.points, groups: app.groups },
      // The health poller's own series have their charts; the picker offers the app's.
      metrics: metrics.filter((m) => m.name !== CPU_METRIC && m.name !== RSS_METRIC).map((m) => ({ name: m.name, unit: m.unit, attributeKeys: m.attributeKeys })),
    });
  }

  private schedule(): void {
    const want = this.panel.visible && this.query !== undefined;
    if (want && !this.timer) this.timer = setInterval(() => this.refresh(), REFRESH_MS);
    else if (!want && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private refresh(): void {
    if (this.busy || !this.query) return;
    this.busy = true;
    this.load(this.query)
      .catch((err: unknown) => this.deps.log.warn(`metrics panel: refresh failed: ${String(err)}`))
      .finally(() => {
        this.busy = false;
      });
  }

  private fail(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.deps.log.error(`metrics panel: ${message}`);
    this.post({ type: 'error', message });
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.scope.dispose();
  }
}
