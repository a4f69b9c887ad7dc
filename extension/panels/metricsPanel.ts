/**
 * The metrics panel, host side: for one server and range it asks the daemon for CPU and memory (the
 * health poller's samples), request rate, errors and latency percentiles (from server spans), and one
 * app metric picked by name, and sends them to the webview; refreshed while the panel is visible.
 */
import * as vscode from 'vscode';
import { MetricSeriesRequest, ServerStatsRequest } from '../../shared/protocol';
import { tryParse } from '../../shared/webview/check';
import {
  CPU_METRIC, parseMetricsToHost, RSS_METRIC, type MetricsPanelState, type MetricsQuery, type MetricsToHost, type MetricsToWebview,
} from '../../shared/webview/metrics';
import { RANGE_MS, type TraceFilter } from '../../shared/webview/traces';
import { DisposableStore } from '../disposables';
import { panelHtml, panelOptions } from './panelHtml';
import type { PanelDeps } from './tracesPanel';

export const METRICS_VIEW_TYPE = 'runlens.metrics';
const REFRESH_MS = 5_000;
/** About this many buckets across the chart, whatever the range. */
const BUCKETS = 120;

export interface MetricsPanelHooks {
  openSlowTraces(filter: TraceFilter): void;
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

  constructor(readonly panel: vscode.WebviewPanel, private readonly deps: PanelDeps, state: MetricsPanelState | undefined, private readonly hooks: MetricsPanelHooks) {
    this.query = state?.query;
    panel.webview.options = panelOptions(deps.extensionUri);
    panel.webview.html = panelHtml(panel.webview, deps.extensionUri, 'metrics', 'Runlens Metrics');
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'runlens.svg');
    this.scope.add(panel.webview.onDidReceiveMessage((raw: unknown) => {
      const msg = tryParse(parseMetricsToHost, raw, (problem) => deps.log.warn(`metrics panel: ignored a webview message: ${problem}`));
      if (msg) this.handle(msg).catch((err: unknown) => this.fail(err));
    }));
    this.scope.add(panel.onDidChangeViewState(() => this.schedule()));
    this.scope.add(deps.store.onDidChange(() => this.post({ type: 'init', servers: this.servers() })));
    this.scope.add(panel.onDidDispose(() => {
      this.dispose();
      hooks.onDispose();
    }));
  }

  reveal(): void {
    this.panel.reveal();
  }

  private post(message: MetricsToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  private servers() {
    return this.deps.store.list().map((s) => ({ id: s.id, label: `${s.name} (${s.status})` }));
  }

  private async handle(msg: MetricsToHost): Promise<void> {
    switch (msg.type) {
      case 'ready':
        this.post({ type: 'init', servers: this.servers() });
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
    const toMs = Date.now();
    const fromMs = toMs - RANGE_MS[q.range];
    const bucketMs = bucketFor(toMs - fromMs);
    const series = (name: string, aggregation: MetricsQuery['appAggregation'], serverId?: string) =>
      this.deps.client.request(MetricSeriesRequest, { name, fromMs, toMs, bucketMs, aggregation, serverId });
    const [cpu, rss, stats, app] = await Promise.all([
      series(CPU_METRIC, 'avg', q.serverId),
      series(RSS_METRIC, 'avg', q.serverId),
      this.deps.client.request(ServerStatsRequest, { serverId: q.serverId, fromMs, toMs, bucketMs }),
      q.appMetric ? series(q.appMetric, q.appAggregation, q.serverId) : Promise.resolve(undefined),
    ]);
    this.post({
      type: 'series', serverId: q.serverId, fromMs, toMs, bucketMs,
      cpu: cpu.points, rss: rss.points, red: stats.points,
      app: app && { name: app.name, unit: app.unit, points: app.points },
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
