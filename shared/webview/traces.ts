/**
 * Messages between the traces panel (extension host) and its webview, both directions, with the
 * parsers each side runs on receipt. The host never trusts span data sent back by the webview: a
 * source link names a trace and span, and the host looks the span up in what it loaded itself.
 */
import type { LogRecord, SpanRecord } from '../telemetry/model';
import type { TraceSummary } from '../telemetry/query';
import { arr, bool, hexId, MessageError, num, obj, oneOf, optNum, optOneOf, optStr, str, type Obj } from './check';
import { parseWindow, TIME_RANGES, type TimeRangeKey, type TimeWindow } from './range';

export { RANGE_MS, TIME_RANGES, type TimeRangeKey } from './range';

export interface TraceFilter {
  range: TimeRangeKey;
  /** Only for `custom`: Unix ms. */
  fromMs?: number;
  toMs?: number;
  serverId?: string;
  service?: string;
  nameContains?: string;
  status?: 'ok' | 'error';
  minDurationMs?: number;
  attributeKey?: string;
  attributeValue?: string;
  sort: 'start' | 'duration';
  order: 'asc' | 'desc';
}

export const DEFAULT_FILTER: TraceFilter = { range: '1h', sort: 'start', order: 'desc' };

export interface ServerOption {
  id: string;
  label: string;
}

/** Webview → host. */
export type TracesToHost =
  | { type: 'ready' }
  | { type: 'listTraces'; filter: TraceFilter; cursor?: string }
  | { type: 'setLive'; live: boolean }
  | { type: 'openTrace'; traceId: string }
  | { type: 'openSource'; traceId: string; spanId: string }
  /** The user picked another time range: the metrics panel follows. */
  | { type: 'setRange'; window: TimeWindow };

/** Host → webview. */
export type TracesToWebview =
  /** `window`: the range to show (shared with the metrics panel), when it differs from the saved one. */
  | { type: 'init'; servers: ServerOption[]; live: boolean; window?: TimeWindow }
  /** The range was changed in the metrics panel. */
  | { type: 'setRange'; window: TimeWindow }
  | { type: 'traces'; items: TraceSummary[]; cursor?: string; nextCursor?: string; live: boolean }
  | { type: 'trace'; traceId: string; spans: SpanRecord[]; logs: LogRecord[] }
  | { type: 'sourceResult'; spanId: string; ok: boolean; message: string }
  | { type: 'showFilter'; filter: TraceFilter }
  | { type: 'error'; message: string };

/** State the webview saves through `setState`; the serializer hands it back after a reload. */
export interface TracesPanelState {
  filter: TraceFilter;
  live: boolean;
  selectedTraceId?: string;
}

/** The time window a filter covers. */
export function filterWindow(f: TraceFilter): TimeWindow {
  return f.range === 'custom' ? { range: 'custom', fromMs: f.fromMs, toMs: f.toMs } : { range: f.range };
}

export function parseFilter(value: unknown, field = 'filter'): TraceFilter {
  const o = obj(value, field);
  const filter: TraceFilter = {
    range: oneOf(o, 'range', TIME_RANGES),
    sort: oneOf(o, 'sort', ['start', 'duration'] as const),
    order: oneOf(o, 'order', ['asc', 'desc'] as const),
    fromMs: optNum(o, 'fromMs'),
    toMs: optNum(o, 'toMs'),
    serverId: optStr(o, 'serverId', 1024),
    service: optStr(o, 'service', 256),
    nameContains: optStr(o, 'nameContains', 256),
    status: optOneOf(o, 'status', ['ok', 'error'] as const),
    minDurationMs: optNum(o, 'minDurationMs'),
    attributeKey: optStr(o, 'attributeKey', 256),
    attributeValue: optStr(o, 'attributeValue', 1024),
  };
  return filter;
}

/** Host side: every message a traces webview may send, or a `MessageError`. */
export function parseTracesToHost(value: unknown): TracesToHost {
  const o = obj(value, 'message');
  switch (o.type) {
    case 'ready':
      return { type: 'ready' };
    case 'listTraces':
      return { type: 'listTraces', filter: parseFilter(o.filter), cursor: optStr(o, 'cursor', 1024) };
    case 'setLive':
      return { type: 'setLive', live: bool(o, 'live') };
    case 'openTrace':
      return { type: 'openTrace', traceId: hexId(o, 'traceId', 32) };
    case 'openSource':
      return { type: 'openSource', traceId: hexId(o, 'traceId', 32), spanId: hexId(o, 'spanId', 16) };
    case 'setRange':
      return { type: 'setRange', window: parseWindow(o.window) };
    default:
      throw new MessageError('type', 'a known traces panel message');
  }
}

function checkSummary(value: unknown, i: number): TraceSummary {
  const o = obj(value, `items[${i}]`);
  str(o, 'traceId', 64);
  str(o, 'rootName', 100_000);
  str(o, 'startTimeUnixNano', 32);
  num(o, 'durationMs');
  num(o, 'spanCount');
  num(o, 'errorCount');
  arr(o, 'services', 1000);
  return o as unknown as TraceSummary;
}

/** Shallow checks that keep rendering code from meeting the wrong shape; the content is data. */
function checkSpan(value: unknown, i: number): SpanRecord {
  const o = obj(value, `spans[${i}]`);
  str(o, 'spanId', 64);
  str(o, 'name', 100_000);
  str(o, 'startTimeUnixNano', 32);
  optStr(o, 'endTimeUnixNano', 32);
  optStr(o, 'parentSpanId', 64);
  num(o, 'status');
  obj(o.attributes, `spans[${i}].attributes`);
  return o as unknown as SpanRecord;
}

function checkLog(value: unknown, i: number): LogRecord {
  const o = obj(value, `logs[${i}]`);
  str(o, 'timeUnixNano', 32);
  str(o, 'level', 16);
  str(o, 'message', 1_000_000);
  return o as unknown as LogRecord;
}

/** Webview side: every message the host may send, or a `MessageError`. */
export function parseTracesToWebview(value: unknown): TracesToWebview {
  const o: Obj = obj(value, 'message');
  switch (o.type) {
    case 'init':
      return {
        type: 'init',
        live: bool(o, 'live'),
        window: o.window === undefined ? undefined : parseWindow(o.window),
        servers: arr(o, 'servers', 10_000).map((s, i) => {
          const so = obj(s, `servers[${i}]`);
          return { id: str(so, 'id', 1024), label: str(so, 'label', 1024) };
        }),
      };
    case 'traces':
      return {
        type: 'traces',
        items: arr(o, 'items', 10_000).map(checkSummary),
        cursor: optStr(o, 'cursor', 1024),
        nextCursor: optStr(o, 'nextCursor', 1024),
        live: bool(o, 'live'),
      };
    case 'trace':
      return {
        type: 'trace',
        traceId: hexId(o, 'traceId', 32),
        spans: arr(o, 'spans', 1_000_000).map(checkSpan),
        logs: arr(o, 'logs', 100_000).map(checkLog),
      };
    case 'sourceResult':
      return { type: 'sourceResult', spanId: str(o, 'spanId', 64), ok: bool(o, 'ok'), message: str(o, 'message', 10_000) };
    case 'showFilter':
      return { type: 'showFilter', filter: parseFilter(o.filter) };
    case 'setRange':
      return { type: 'setRange', window: parseWindow(o.window) };
    case 'error':
      return { type: 'error', message: str(o, 'message', 10_000) };
    default:
      throw new MessageError('type', 'a known traces panel message');
  }
}

/** Every message type, both directions: docs/protocol.md must list each one (unit test). */
export const TRACES_MESSAGE_TYPES = {
  toHost: ['ready', 'listTraces', 'setLive', 'openTrace', 'openSource', 'setRange'],
  toWebview: ['init', 'traces', 'trace', 'sourceResult', 'showFilter', 'setRange', 'error'],
} as const;
