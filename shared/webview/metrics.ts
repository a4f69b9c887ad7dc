/**
 * Messages between the metrics panel (extension host) and its webview, both directions, with the
 * parsers each side runs on receipt. The webview asks for one server and range at a time; the host
 * answers with every series the charts draw.
 */
import type { RedPoint, SeriesPoint } from '../telemetry/query';
import { arr, MessageError, num, obj, oneOf, optStr, str, type Obj } from './check';
import { TIME_RANGES, type ServerOption, type TimeRangeKey } from './traces';

/** Health poller metrics (daemon/health): CPU as a fraction of one core, RSS in bytes. */
export const CPU_METRIC = 'process.cpu.utilization';
export const RSS_METRIC = 'process.memory.rss';

export const APP_AGGREGATIONS = ['avg', 'min', 'max', 'sum', 'count', 'p50', 'p95', 'p99'] as const;
export type AppAggregation = (typeof APP_AGGREGATIONS)[number];

export interface MetricsQuery {
  serverId: string;
  range: Exclude<TimeRangeKey, 'custom'>;
  /** An app (OTLP) metric to chart as well. */
  appMetric?: string;
  appAggregation: AppAggregation;
}

export interface AppSeries {
  name: string;
  unit?: string;
  points: SeriesPoint[];
}

/** Webview → host. */
export type MetricsToHost =
  | { type: 'ready' }
  | { type: 'query'; query: MetricsQuery }
  | { type: 'openSlowTraces'; serverId: string; fromMs: number; toMs: number };

/** Host → webview. */
export type MetricsToWebview =
  | { type: 'init'; servers: ServerOption[] }
  | {
    type: 'series'; serverId: string; fromMs: number; toMs: number; bucketMs: number;
    cpu: SeriesPoint[]; rss: SeriesPoint[]; red: RedPoint[]; app?: AppSeries;
  }
  | { type: 'error'; message: string };

export interface MetricsPanelState {
  query?: MetricsQuery;
}

const PRESETS = TIME_RANGES.filter((r): r is Exclude<TimeRangeKey, 'custom'> => r !== 'custom');

export function parseMetricsQuery(value: unknown): MetricsQuery {
  const o = obj(value, 'query');
  return {
    serverId: str(o, 'serverId', 1024),
    range: oneOf(o, 'range', PRESETS),
    appMetric: optStr(o, 'appMetric', 256),
    appAggregation: oneOf(o, 'appAggregation', APP_AGGREGATIONS),
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
        servers: arr(o, 'servers', 10_000).map((s, i) => {
          const so = obj(s, `servers[${i}]`);
          return { id: str(so, 'id', 1024), label: str(so, 'label', 1024) };
        }),
      };
    case 'series': {
      const app = o.app === undefined ? undefined : obj(o.app, 'app');
      return {
        type: 'series',
        serverId: str(o, 'serverId', 1024),
        fromMs: num(o, 'fromMs'),
        toMs: num(o, 'toMs'),
        bucketMs: num(o, 'bucketMs'),
        cpu: points(o, 'cpu'),
        rss: points(o, 'rss'),
        red: redPoints(o),
        app: app && { name: str(app, 'name', 256), unit: optStr(app, 'unit', 64), points: points(app, 'points') },
      };
    }
    case 'error':
      return { type: 'error', message: str(o, 'message', 10_000) };
    default:
      throw new MessageError('type', 'a known metrics panel message');
  }
}

/** Every message type, both directions: docs/protocol.md must list each one (unit test). */
export const METRICS_MESSAGE_TYPES = {
  toHost: ['ready', 'query', 'openSlowTraces'],
  toWebview: ['init', 'series', 'error'],
} as const;
