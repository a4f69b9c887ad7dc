/** Deterministic telemetry for the store query suite: 100 traces over ~17 minutes, logs, metrics, scores. */
import type { LogRecord, MetricPoint, ScoreRecord, SpanRecord } from '../../../shared/telemetry/model';
import type { InsertBatch } from '../../../shared/telemetry/query';

export const T0 = Date.UTC(2024, 0, 1); // ms
const ns = (ms: number, extra = 0n): string => (BigInt(ms) * 1_000_000n + extra).toString();
export const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0');
export const traceId = (i: number): string => hex(i + 1, 32);

export function traces(): SpanRecord[] {
  const spans: SpanRecord[] = [];
  for (let i = 0; i < 100; i++) {
    const start = T0 + i * 10_000;
    const server = i % 2 === 0 ? 'srv-a' : 'srv-b';
    const service = i % 2 === 0 ? 'api' : 'worker';
    const root: SpanRecord = {
      t: 'span', traceId: traceId(i), spanId: hex(i * 10 + 1, 16), name: `GET /route${i % 5}`, kind: 2, status: 0,
      startTimeUnixNano: ns(start, i === 0 ? 1n : 0n), endTimeUnixNano: ns(start + i + 1),
      attributes: { 'http.route': `/route${i % 5}`, 'user.id': `u${i % 7}` }, service, serverId: server,
    };
    spans.push(root);
    for (let c = 0; c < 3; c++) {
      spans.push({
        t: 'span', traceId: traceId(i), spanId: hex(i * 10 + 2 + c, 16), parentSpanId: root.spanId, name: `step ${c}`, kind: 1,
        status: i % 10 === 0 && c === 2 ? 2 : 0, startTimeUnixNano: ns(start), endTimeUnixNano: ns(start + 1),
        attributes: { step: c }, service: c === 1 ? 'db' : service, serverId: server,
      });
    }
  }
  return spans;
}

export function logs(): LogRecord[] {
  const levels = ['debug', 'info', 'warn', 'error'] as const;
  return Array.from({ length: 50 }, (_, i) => ({
    t: 'log' as const, id: `log-${i}`, timeUnixNano: ns(T0 + i * 1000), level: levels[i % 4]!,
    message: i % 4 === 3 ? `boom ${i}` : `request ${i} ok`, traceId: traceId(i % 10), source: i % 5 === 0 ? ('build' as const) : ('server' as const),
    serverId: i % 2 === 0 ? 'srv-a' : 'srv-b',
  }));
}

export function metrics(): MetricPoint[] {
  return Array.from({ length: 60 }, (_, i) => ({
    t: 'metric' as const, id: `m-${i}`, name: 'process.cpu', kind: 'gauge' as const, unit: '%', timeUnixNano: ns(T0 + i * 1000),
    value: i, attributes: { host: i % 2 === 0 ? 'a' : 'b' }, serverId: 'srv-a',
  }));
}

export function scores(): ScoreRecord[] {
  return Array.from({ length: 5 }, (_, i) => ({
    t: 'score' as const, id: `s-${i}`, name: i < 3 ? 'relevance' : 'toxicity', value: i / 10, timeUnixNano: ns(T0 + i * 1000),
    traceId: traceId(i), comment: `because ${i}`,
  }));
}

export function batches(): InsertBatch[] {
  const spans = traces();
  return [
    { spans: spans.slice(0, 200), logs: logs().slice(0, 25), metrics: metrics().slice(0, 30), scores: scores().slice(0, 2) },
    { spans: spans.slice(200), logs: logs().slice(25), metrics: metrics().slice(30), scores: scores().slice(2) },
  ];
}
