/**
 * Mastra's own telemetry shapes to normalized records: the span records its CloudExporter posts
 * and its observability JSONL holds (`traceId`, `spanId`, `parentSpanId`, `name`, `spanType`,
 * `attributes`, `metadata`, `entityType`/`entityId`/`entityName`, `tags`, `startedAt`, `endedAt`,
 * `input`, `output`, `error`, ISO dates), and the looser log, metric and score events. Mastra's AI span types (`agent_run`,
 * `model_generation`, `tool_call`, `workflow_*`, …) are kept as `mastra.span_type`, and model,
 * provider and token usage are also exposed under the OpenTelemetry `gen_ai.*` names.
 */
import type { Attributes, AttrValue, LogRecord, MetricPoint, Origin, ScoreRecord, SpanRecord } from '../../../shared/telemetry/model';
import { compact } from '../origins';
import { levelOf } from '../otlp/normalize';
import { hexId, isObj, num, type Obj } from '../otlp/values';

/** An ISO date, epoch ms or nanosecond string to a nanosecond string. */
export function isoToNanos(v: unknown): string | undefined {
  if (typeof v === 'string' && /^\d{16,20}$/.test(v)) return v;
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  const whole = Math.floor(ms);
  return (BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6))).toString();
}

const MAX_TEXT = 16 * 1024;

/** Deeper values cannot be copied or written (JSON.stringify recurses and overflows the stack). */
export const MAX_NESTING = 100;

/** Why an item cannot be used because of its nesting, or undefined; walked without recursion. */
export function nestingProblem(v: unknown): string | undefined {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length) {
    const [x, depth] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (depth >= MAX_NESTING) return `nested deeper than ${MAX_NESTING} levels; flatten the span's attributes, input or output`;
    for (const child of Object.values(x)) stack.push([child, depth + 1]);
  }
  return undefined;
}

/** Inputs and outputs can be whole conversations; keep a readable prefix. */
function asText(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
}

function json(v: unknown): AttrValue {
  return v === undefined ? null : (JSON.parse(JSON.stringify(v)) as AttrValue);
}

const ENTITY_FIELDS: [string, string][] = [['entityType', 'mastra.entity_type'], ['entityId', 'mastra.entity_id'], ['entityName', 'mastra.entity_name']];

export function mastraSpan(d: Obj, origin: Origin): SpanRecord | string {
  const traceId = hexId(d.traceId, 16);
  const spanId = hexId(d.spanId, 8);
  if (!traceId || !spanId) return 'Mastra span without a valid traceId/spanId';
  const start = isoToNanos(d.startedAt ?? d.startTime);
  if (!start) return 'Mastra span without startedAt';
  const attrs: Attributes = {};
  if (isObj(d.attributes)) Object.assign(attrs, json(d.attributes) as Attributes);
  const spanType = typeof d.spanType === 'string' ? d.spanType : typeof d.type === 'string' ? d.type : undefined;
  if (spanType) attrs['mastra.span_type'] = spanType;
  // What the span is about: a workflow (its id), a step, a tool, an agent (since @mastra/core 1.x).
  for (const [field, key] of ENTITY_FIELDS) if (typeof d[field] === 'string' && d[field] !== '') attrs[key] = d[field];
  if (Array.isArray(d.tags) && d.tags.length > 0) attrs['mastra.tags'] = json(d.tags);
  if (isObj(d.metadata)) attrs['mastra.metadata'] = json(d.metadata);
  if (d.input !== undefined && d.input !== null) attrs['mastra.input'] = asText(d.input);
  if (d.output !== undefined && d.output !== null) attrs['mastra.output'] = asText(d.output);
  addGenAi(attrs);
  const error = d.error ?? null;
  return compact<SpanRecord>({
    t: 'span',
    traceId,
    spanId,
    parentSpanId: hexId(d.parentSpanId, 8),
    name: typeof d.name === 'string' ? d.name : (spanType ?? 'span'),
    kind: 1,
    status: error ? 2 : 0,
    statusMessage: error ? (isObj(error) && typeof error.message === 'string' ? error.message : asText(error)) : undefined,
    startTimeUnixNano: start,
    endTimeUnixNano: d.isEvent === true ? start : isoToNanos(d.endedAt ?? d.endTime),
    attributes: attrs,
    scope: '@mastra/observability',
    ...origin,
  });
}

/** Model, provider and usage under the names OpenTelemetry's GenAI conventions use. */
function addGenAi(a: Attributes): void {
  if (typeof a.model === 'string') a['gen_ai.request.model'] = a.model;
  if (typeof a.provider === 'string') a['gen_ai.system'] = a.provider;
  const usage = isObj(a.usage) ? a.usage : undefined;
  if (usage) {
    const input = num(usage.inputTokens ?? usage.promptTokens);
    const output = num(usage.outputTokens ?? usage.completionTokens);
    if (input !== undefined) a['gen_ai.usage.input_tokens'] = input;
    if (output !== undefined) a['gen_ai.usage.output_tokens'] = output;
  }
}

export function mastraLog(d: Obj, id: string, origin: Origin): LogRecord | string {
  const time = isoToNanos(d.timestamp ?? d.time ?? d.createdAt);
  if (!time) return 'Mastra log without a timestamp';
  const message = typeof d.message === 'string' ? d.message : typeof d.msg === 'string' ? d.msg : JSON.stringify(d);
  const attrs = isObj(d.data) ? (json(d.data) as Attributes) : isObj(d.attributes) ? (json(d.attributes) as Attributes) : undefined;
  return compact<LogRecord>({
    t: 'log', id, timeUnixNano: time, level: levelOf(undefined, d.level), message,
    traceId: hexId(d.traceId, 16), spanId: hexId(d.spanId, 8), source: 'app', attributes: attrs, ...origin,
  });
}

export function mastraMetric(d: Obj, id: string, origin: Origin): MetricPoint | string {
  const time = isoToNanos(d.timestamp ?? d.time ?? d.createdAt);
  const value = num(d.value);
  if (typeof d.name !== 'string' || !time || value === undefined) return 'Mastra metric without name, timestamp or numeric value';
  const labels = isObj(d.labels) ? d.labels : isObj(d.attributes) ? d.attributes : {};
  const kind = d.type === 'counter' || d.type === 'sum' ? 'sum' : 'gauge';
  return compact<MetricPoint>({
    t: 'metric', id, name: d.name, kind, unit: typeof d.unit === 'string' ? d.unit : undefined,
    timeUnixNano: time, value, attributes: json(labels) as Attributes, ...origin,
  });
}

export function mastraScore(d: Obj, id: string, origin: Origin): ScoreRecord | string {
  const value = num(d.score ?? d.value);
  const name = d.scorerName ?? d.scorerId ?? d.name ?? (isObj(d.scorer) ? d.scorer.name : undefined);
  const time = isoToNanos(d.timestamp ?? d.createdAt ?? d.time) ?? isoToNanos(Date.now());
  if (typeof name !== 'string' || value === undefined || !time) return 'Mastra score without scorer name or numeric score';
  return compact<ScoreRecord>({
    t: 'score', id: typeof d.id === 'string' ? d.id : id, name, value, timeUnixNano: time,
    traceId: hexId(d.traceId, 16), spanId: hexId(d.spanId, 8),
    comment: typeof d.reason === 'string' ? d.reason : typeof d.comment === 'string' ? d.comment : undefined,
    ...origin,
  });
}
