/**
 * Messages between the metrics panel (extension host) and its webview, both directions, with the
 * parsers each side runs on receipt. The webview asks for one server and range at a time; the host
 * answers with every series the charts draw.
 */
import type { MetricGroup, MetricInfo, RedPoint, SeriesPoint } from '../telemetry/query';
import { arr, MessageError, num, obj, oneOf, optStr, str, strings, type Obj } from './check';
import { parseWindow, type TimeWindow } from './range';
import type { ServerOption } from './traces';

/** Health poller metrics (daemon/health): CPU as a fraction of one core, RSS in bytes. */
export const CPU_METRIC = 'process.cpu.utilization';
export const RSS_METRIC = 'process.memory.rss';

export const APP_AGGREGATIONS = ['avg', 'min', 'max', 'sum', 'count', 'p50', 'p95', 'p99'] as const;
export type AppAggregation = (typeof APP_AGGREGATIONS)[number];

export interface MetricsQuery extends TimeWindow {
  serverId: string;
  /** An app (OTLP) metric to chart as well, picked by name. */
  appMetric?: string;
  appAggregation: AppAggregation;
  /** Split the app metric into one line per value of this attribute. */
  groupBy?: string;
}

export interface AppSeries {
  name: string;
  unit?: string;
  points: SeriesPoint[];
  groups?: MetricGroup[];
}

/** Webview → host. */
export type MetricsToHost =
  | { type: 'ready' }
  | { type: 'query'; query: MetricsQuery }
  | { type: 'openSlowTraces'; serverId: string; fromMs: number; toMs: number }
  /** The user picked another time range: the traces panel follows. */
  | { type: 'setRange'; window: TimeWindow };

/** Host → webview. */
export type MetricsToWebview =
  /** `window`: the range to show (shared with the traces panel), when it differs from the saved one. */
  | { type: 'init'; servers: ServerOption[]; window?: TimeWindow }
  /** The range was changed in the traces panel. */
  | { type: 'setRange'; window: TimeWindow }
  | {
    type: 'series'; serverId: string; fromMs: number; toMs: number; bucketMs: number;
    cpu: SeriesPoint[]; rss: SeriesPoint[]; red: RedPoint[]; app?: AppSeries;
    /** The app metrics with points in this range, for the picker. */
    metrics: MetricInfo[];
  }
  | { type: 'error'; message: string };

export interface MetricsPanelState {
  query?: MetricsQuery;
}

export function parseMetricsQuery(value: unknown): MetricsQuery {
  const o = obj(value, 'query');
  return {
    ...parseWindow(o, 'query'),
    serverId: str(o, 'serverId', 1024),
    appMetric: optStr(o, 'appMetric', 256),
    appAggregation: oneOf(o, 'appAggregation', APP_AGGREGATIONS),
    groupBy: optStr(o, 'groupBy', 256),
  };
}

export function parseMetricsToHost(value: unknown): MetricsToHost {
  const o = obj(value, 'message');
  switch (o.type) {
    case 'ready':
      return { type: 'ready' };
    case 'query':
      return { type: 'query', query: parseMetricsQuery(o.query) };
    case 'openSlowTraces':
      return { type: 'openSlowTraces', serverId: str(o, 'serverId', 1024), fromMs: num(o, 'fromMs'), toMs: num(o, 'toMs') };
    case 'setRange':
      return { type: 'setRange', window: parseWindow(o.window) };
    default:
      throw new MessageError('type', 'a known metrics panel message');
  }
}

function points(o: Obj, field: string): SeriesPoint[] {
  return arr(o, field, 1_000_000).map((p, i) => {
    const po = obj(p, `${field}[${i}]`);
    return { t: num(po, 't'), v: num(po, 'v') };
  });
}

function appSeries(value: unknown): AppSeries {
  const app = obj(value, 'app');
  return {
    name: str(app, 'name', 256),
    unit: optStr(app, 'unit', 64),
    points: points(app, 'points'),
    groups: app.groups === undefined ? undefined : arr(app, 'groups', 100).map((g, i) => {
      const go = obj(g, `groups[${i}]`);
      return { value: str(go, 'value', 4096), points: points(go, 'points') };
    }),
  };
}

function metricInfos(o: Obj): MetricInfo[] {
  return arr(o, 'metrics', 10_000).map((m, i) => {
    const mo = obj(m, `metrics[${i}]`);
    return {
      name: str(mo, 'name', 256), unit: optStr(mo, 'unit', 64),
      attributeKeys: strings(mo, 'attributeKeys', 1000, 256),
    };
  });
}

function redPoints(o: Obj): RedPoint[] {
  return arr(o, 'red', 1_000_000).map((p, i) => {
    const po = obj(p, `red[${i}]`);
    return {
      t: num(po, 't'), requests: num(po, 'requests'), errors: num(po, 'errors'),
      p50Ms: num(po, 'p50Ms'), p95Ms: num(po, 'p95Ms'), p99Ms: num(po, 'p99Ms'),
    };
  });
}

export function parseMetricsToWebview(value: unknown): MetricsToWebview {
  const o = obj(value, 'message');
  switch (o.type) {
    case 'init':
      return {
        type: 'init',
        window: o.window === undefined ? undefined : parseWindow(o.window),
        servers: arr(o, 'servers', 10_000).map((s, i) => {
          const so = obj(s, `servers[${i}]`);
          return { id: str(so, 'id', 1024), label: str(so, 'label', 1024) };
        }),
      };
    case 'setRange':
      return { type: 'setRange', window: parseWindow(o.window) };
    case 'series':
      return {
        type: 'series',
        serverId: str(o, 'serverId', 1024),
        fromMs: num(o, 'fromMs'),
        toMs: num(o, 'toMs'),
        bucketMs: num(o, 'bucketMs'),
        cpu: points(o, 'cpu'),
        rss: points(o, 'rss'),
        red: redPoints(o),
        app: o.app === undefined ? undefined : appSeries(o.app),
        metrics: metricInfos(o),
      };
    case 'error':
      return { type: 'error', message: str(o, 'message', 10_000) };
    default:
      throw new MessageError('type', 'a known metrics panel message');
  }
}

/** Every message type, both directions: docs/protocol.md must list each one (unit test). */
export const METRICS_MESSAGE_TYPES = {
  toHost: ['ready', 'query', 'openSlowTraces', 'setRange'],
  toWebview: ['init', 'setRange', 'series', 'error'],
} as const;
