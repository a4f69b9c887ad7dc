/** Bucketing and aggregation of metric values into a series, the same for every store. */
import { MAX_METRIC_GROUPS, type Aggregation, type MetricGroup, type MetricInfo, type SeriesPoint } from '../../shared/telemetry/query';
import { quantile } from './latency';

export function bucketStart(tMs: number, fromMs: number, bucketMs: number): number {
  return fromMs + Math.floor((tMs - fromMs) / bucketMs) * bucketMs;
}

export function aggregate(buckets: Map<number, number[]>, how: Aggregation): SeriesPoint[] {
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, values]) => ({ t, v: reduce(values, how) }));
}

function reduce(values: number[], how: Aggregation): number {
  switch (how) {
    case 'count':
      return values.length;
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'min':
      return values.reduce((a, b) => (b < a ? b : a), Infinity);
    case 'max':
      return values.reduce((a, b) => (b > a ? b : a), -Infinity);
    default: {
      const sorted = [...values].sort((a, b) => a - b);
      return quantile(sorted, { p50: 0.5, p95: 0.95, p99: 0.99 }[how]);
    }
  }
}

/** A metric value with its bucket time and, for a grouped series, its group's value. */
export interface GroupedValue {
  t: number;
  v: number;
  group: string;
}

/**
 * Splits bucketed values by group, keeping the MAX_METRIC_GROUPS groups with the most values
 * (ties by value, so the answer is the same every time).
 */
export function aggregateGroups(values: readonly GroupedValue[], how: Aggregation): MetricGroup[] {
  const byGroup = new Map<string, Map<number, number[]>>();
  const sizes = new Map<string, number>();
  for (const x of values) {
    const buckets = byGroup.get(x.group) ?? byGroup.set(x.group, new Map()).get(x.group)!;
    (buckets.get(x.t) ?? buckets.set(x.t, []).get(x.t)!).push(x.v);
    sizes.set(x.group, (sizes.get(x.group) ?? 0) + 1);
  }
  return [...byGroup.keys()]
    .sort((a, b) => sizes.get(b)! - sizes.get(a)! || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, MAX_METRIC_GROUPS)
    .map((value) => ({ value, points: aggregate(byGroup.get(value)!, how) }));
}

/**
 * A stored attribute value (raw JSON or SQL text) as the label of its group: strings without their
 * quotes, absent as ''.
 */
export function groupLabel(raw: unknown): string {
  if (raw === null || raw === undefined) return '';
  const text = String(raw);
  if (text.startsWith('"')) {
    try {
      return String(JSON.parse(text));
    } catch {
      return text;
    }
  }
  return text;
}

/** One stored combination of a metric's name and attributes, with its kind and unit. */
export interface MetricShape {
  name: string;
  attrs: string;
  kind?: string;
  unit?: string;
}

/** Folds stored shapes into one entry per metric name, with every attribute key seen, by name. */
export function metricInfos(shapes: readonly MetricShape[]): MetricInfo[] {
  const byName = new Map<string, { info: MetricInfo; keys: Set<string> }>();
  for (const s of shapes) {
    let entry = byName.get(s.name);
    if (!entry) {
      entry = { info: { name: s.name, kind: (s.kind || undefined) as MetricInfo['kind'], unit: s.unit || undefined, attributeKeys: [] }, keys: new Set() };
      byName.set(s.name, entry);
    }
    try {
      const attrs = JSON.parse(s.attrs) as unknown;
      if (attrs && typeof attrs === 'object') for (const k of Object.keys(attrs)) entry.keys.add(k);
    } catch {
      // A malformed attribute column names no keys; the metric is still listed.
    }
  }
  return [...byName.values()]
    .map(({ info, keys }) => ({ ...info, attributeKeys: [...keys].sort() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
