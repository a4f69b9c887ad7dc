/**
 * The metrics panel (browser side): a server and range picker, then charts of CPU, memory, request
 * rate, error rate and latency percentiles of that server, and one app metric picked by name,
 * optionally split by an attribute. The range is shared with the traces panel. Clicking the
 * latency chart opens the slowest traces of that bucket in the traces panel.
 */
import '@vscode/codicons/dist/codicon.css';
import 'uplot/dist/uPlot.min.css';
import '../common/panel.css';
import './metrics.css';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { MetricGroup, SeriesPoint } from '../../shared/telemetry/query';
import {
  parseMetricsToWebview, type AppSeries, type MetricsPanelState, type MetricsQuery, type MetricsToHost, type MetricsToWebview,
} from '../../shared/webview/metrics';
import { DEFAULT_WINDOW, type TimeWindow } from '../../shared/webview/range';
import type { ServerOption } from '../../shared/webview/traces';
import { formatBytes, formatDuration, h } from '../common/dom';
import { connectHost } from '../common/host';
import { RangePicker } from '../common/rangePicker';
import { AppMetricPicker } from './appPicker';
import { Chart, type LineSpec } from './charts';

type Field = HTMLElement & { value: string };

const host = connectHost<MetricsToWebview, MetricsToHost, MetricsPanelState>(parseMetricsToWebview);
let query: Partial<MetricsQuery> = host.state()?.query ?? { ...DEFAULT_WINDOW, appAggregation: 'avg' };
let bucketMs = 60_000;
let loaded = false;

const charts = {
  cpu: new Chart({ id: 'cpu', title: 'CPU', lines: [{ label: 'CPU', color: '--vscode-charts-blue', fallback: '#3794ff' }], format: (v) => `${v.toFixed(1)}%` }),
  memory: new Chart({ id: 'memory', title: 'Memory (RSS)', lines: [{ label: 'RSS', color: '--vscode-charts-purple', fallback: '#b180d7' }], format: formatBytes }),
  rate: new Chart({ id: 'rate', title: 'Requests per second', lines: [{ label: 'req/s', color: '--vscode-charts-green', fallback: '#89d185' }], format: (v) => v.toFixed(2) }),
  errors: new Chart({ id: 'errors', title: 'Error rate', lines: [{ label: 'errors', color: '--vscode-charts-red', fallback: '#f14c4c' }], format: (v) => `${v.toFixed(1)}%` }),
  latency: new Chart({
    id: 'latency', title: 'Latency (click a point for its slowest traces)', format: formatDuration,
    lines: [
      { label: 'p50', color: '--vscode-charts-blue', fallback: '#3794ff' },
      { label: 'p95', color: '--vscode-charts-orange', fallback: '#d18616' },
      { label: 'p99', color: '--vscode-charts-red', fallback: '#f14c4c' },
    ],
    onPick: (x) => {
      if (query.serverId) host.post({ type: 'openSlowTraces', serverId: query.serverId, fromMs: x * 1000, toMs: x * 1000 + bucketMs });
    },
  }),
  app: new Chart({ id: 'app', title: 'App metric', lines: [{ label: 'value', color: '--vscode-charts-yellow', fallback: '#cca700' }], format: (v) => String(Math.round(v * 100) / 100) }),
};

/** One colour per group of a split app metric (at most 8 groups come back). */
const GROUP_COLOURS: [string, string][] = [
  ['--vscode-charts-blue', '#3794ff'], ['--vscode-charts-orange', '#d18616'], ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'], ['--vscode-charts-red', '#f14c4c'], ['--vscode-charts-yellow', '#cca700'],
  ['--vscode-charts-foreground', '#cccccc'], ['--vscode-charts-lines', '#808080'],
];

const serverHolder = h('span', {});
const status = h('span', { class: 'muted metrics-status', role: 'status' });
const picker = new RangePicker(query as TimeWindow, (window) => {
  host.post({ type: 'setRange', window });
  send({ range: window.range, fromMs: window.fromMs, toMs: window.toMs });
});
const appPicker = new AppMetricPicker({ appMetric: query.appMetric, appAggregation: query.appAggregation ?? 'avg', groupBy: query.groupBy }, (choice) => send(choice));

const grid = h('div', { class: 'charts' }, ...Object.values(charts).map((c) => c.element));
(document.getElementById('root') as HTMLElement).replaceChildren(
  h('div', { class: 'metrics-bar' }, serverHolder, ...picker.elements, appPicker.element, status), grid);
new ResizeObserver(() => {
  const width = (grid.firstElementChild as HTMLElement | null)?.clientWidth ?? 600;
  for (const c of Object.values(charts)) c.resize(width);
}).observe(grid);

function send(change: Partial<MetricsQuery>): void {
  query = { ...query, ...change };
  if (!query.serverId || !query.range || !query.appAggregation) return;
  const full = query as MetricsQuery;
  host.saveState({ query: full });
  status.textContent = 'Loading…';
  host.post({ type: 'query', query: full });
}

function setServers(servers: ServerOption[]): void {
  if (!query.serverId || !servers.some((s) => s.id === query.serverId)) query.serverId = servers[0]?.id;
  const select = h('vscode-single-select', { 'aria-label': 'Server' }) as Field;
  for (const s of servers) select.append(h('vscode-option', { value: s.id, selected: s.id === query.serverId }, s.label));
  select.addEventListener('change', () => send({ serverId: select.value }));
  serverHolder.replaceChildren(servers.length ? select : h('span', { class: 'muted' }, 'No servers yet: start one to see its metrics.'));
}

/** Puts series on one x axis (bucket starts, in seconds); buckets a series lacks are gaps. */
function align(xsMs: number[], series: Map<number, number>[]): [number[], (number | null)[][]] {
  return [xsMs.map((t) => t / 1000), series.map((m) => xsMs.map((t) => m.get(t) ?? null))];
}

const byTime = (points: SeriesPoint[], scale = 1) => new Map(points.map((p) => [p.t, p.v * scale]));

/** The app chart: one line, or one per group when split by an attribute. */
function showApp(app: AppSeries | undefined): void {
  charts.app.element.hidden = !app;
  if (!app) return;
  const unit = app.unit ? ` (${app.unit})` : '';
  const groups: MetricGroup[] = app.groups ?? [{ value: 'value', points: app.points }];
  const lines: LineSpec[] = groups.map((g, i) => ({ label: g.value === '' ? '(not set)' : g.value, color: GROUP_COLOURS[i % 8][0], fallback: GROUP_COLOURS[i % 8][1] }));
  charts.app.setLines(lines, `${app.name}${unit}${query.groupBy ? ` by ${query.groupBy}` : ''}`);
  const all = [...new Set(groups.flatMap((g) => g.points.map((p) => p.t)))].sort((a, b) => a - b);
  charts.app.setData(...align(all, groups.map((g) => byTime(g.points))));
}

// VS Code changes the body's theme class when the user switches themes; canvases must redraw.
new MutationObserver(() => {
  for (const c of Object.values(charts)) c.retheme();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

host.onMessage((msg) => {
  if (msg.type === 'init') {
    // Server list updates come with every state change: query again only when the pick changed.
    const before = query.serverId;
    setServers(msg.servers);
    // The range shared with the traces panel changed while this panel was closed or hidden.
    if (msg.window) {
      picker.set(msg.window);
      query = { ...query, range: msg.window.range, fromMs: msg.window.fromMs, toMs: msg.window.toMs };
    }
    if (query.serverId !== before || !loaded || msg.window) send({});
    loaded = true;
  } else if (msg.type === 'series') {
    // A store may keep request rollups coarser than asked (per minute): a clicked point covers the
    // spacing the series really has.
    const gaps = msg.red.slice(1).map((p, i) => p.t - msg.red[i].t).filter((g) => g > 0);
    bucketMs = gaps.length > 0 ? Math.min(...gaps) : Math.max(msg.bucketMs, 60_000);
    status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    const timeline = (pts: { t: number }[]) => [...new Set(pts.map((p) => p.t))].sort((a, b) => a - b);
    charts.cpu.setData(...align(timeline(msg.cpu), [byTime(msg.cpu, 100)]));
    charts.memory.setData(...align(timeline(msg.rss), [byTime(msg.rss)]));
    const red = timeline(msg.red);
    const perSecond = 1000 / msg.bucketMs;
    charts.rate.setData(...align(red, [new Map(msg.red.map((p) => [p.t, p.requests * perSecond]))]));
    charts.errors.setData(...align(red, [new Map(msg.red.map((p) => [p.t, p.requests ? (100 * p.errors) / p.requests : 0]))]));
    charts.latency.setData(...align(red, ['p50Ms', 'p95Ms', 'p99Ms'].map((k) => new Map(msg.red.map((p) => [p.t, p[k as 'p50Ms']])))));
    appPicker.setMetrics(msg.metrics);
    showApp(msg.app);
  } else if (msg.type === 'setRange') {
    picker.set(msg.window);
    send({ range: msg.window.range, fromMs: msg.window.fromMs, toMs: msg.window.toMs });
  } else {
    status.textContent = msg.message;
  }
});

host.post({ type: 'ready' });
