/**
 * What the receiver does with each route: decode, normalize, append to the segments, answer. OTLP
 * answers follow the OTLP/HTTP spec: 200 with an (optional) `partialSuccess`, 400 with a
 * `google.rpc.Status`-shaped message for undecodable bodies, 415 for unknown content types.
 * Mastra's cloud-exporter routes take a bearer token that must belong to a registered run.
 */
import * as crypto from 'node:crypto';
import type { TelemetryRecord } from '../../shared/telemetry/model';
import { mastraLog, mastraMetric, mastraScore, mastraSpan, nestingProblem } from './mastra/records';
import { normalizeLogs, normalizeMetrics, normalizeTraces, type Normalized } from './otlp/normalize';
import { OtlpProtobuf, type Signal } from './otlp/protoSchema';
import type { HttpAnswer, IncomingBody, Route } from './otlp/receiver';
import { isObj, type Obj } from './otlp/values';
import type { RunRegistry } from './origins';
import type { Quarantine } from './quarantine';

export interface RouteDeps {
  runs: RunRegistry;
  quarantine: Quarantine;
  /** Appends records to the segments. */
  sink: (records: TelemetryRecord[]) => void;
}

const OTLP: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/logs': 'logs', '/v1/metrics': 'metrics' };
const NORMALIZE = { traces: normalizeTraces, logs: normalizeLogs, metrics: normalizeMetrics };
const REJECTED_FIELD = { traces: 'rejectedSpans', logs: 'rejectedLogRecords', metrics: 'rejectedDataPoints' };
const MASTRA = /\/(spans|logs|metrics|scores)\/publish$/;

export function createRoutes(deps: RouteDeps): Route {
  const proto = new OtlpProtobuf();
  return (req) => {
    const signal = OTLP[req.path];
    if (signal) return otlp(signal, req, deps, proto);
    const m = MASTRA.exec(req.path);
    if (m) return mastra(m[1] as 'spans' | 'logs' | 'metrics' | 'scores', req, deps);
    return undefined;
  };
}

function otlp(signal: Signal, req: IncomingBody, deps: RouteDeps, proto: OtlpProtobuf): HttpAnswer {
  const isJson = req.contentType === 'application/json';
  if (!isJson && req.contentType !== 'application/x-protobuf') {
    return { status: 415, body: `unsupported Content-Type '${req.contentType}'; use application/json or application/x-protobuf` };
  }
  let decoded: Obj;
  try {
    const v: unknown = isJson ? JSON.parse(req.body.toString('utf8')) : proto.decode(signal, req.body);
    if (!isObj(v)) throw new Error('the body is not an object');
    decoded = v;
  } catch (err) {
    const message = `cannot decode ${isJson ? 'OTLP JSON' : 'OTLP protobuf'} for ${req.path}: ${(err as Error).message}`;
    deps.quarantine.add({ source: `otlp:${req.path}`, reason: message, text: isJson ? req.body.toString('utf8') : req.body.subarray(0, 512).toString('base64') });
    return isJson
      ? { status: 400, contentType: 'application/json', body: JSON.stringify({ code: 3, message }) }
      : { status: 400, body: message };
  }
  const result: Normalized = NORMALIZE[signal](decoded, deps.runs);
  deps.sink(result.records);
  const reason = result.rejected > 0 ? `rejected ${result.rejected}: ${result.reasons.join('; ')}` : '';
  if (result.rejected > 0) deps.quarantine.add({ source: `otlp:${req.path}`, reason });
  if (!isJson) return { status: 200, contentType: 'application/x-protobuf', body: proto.encodeResponse(signal, result.rejected, reason) };
  const partial = result.rejected > 0 ? { partialSuccess: { [REJECTED_FIELD[signal]]: String(result.rejected), errorMessage: reason } } : {};
  return { status: 200, contentType: 'application/json', body: JSON.stringify(partial) };
}

function mastra(kind: 'spans' | 'logs' | 'metrics' | 'scores', req: IncomingBody, deps: RouteDeps): HttpAnswer {
  const auth = String(req.headers.authorization ?? '');
  const run = auth.startsWith('Bearer ') ? deps.runs.byBearer(auth.slice(7).trim()) : undefined;
  if (!run) return { status: 401, body: 'missing or unknown bearer token: MASTRA_CLOUD_ACCESS_TOKEN must be the one Runlens set for this run' };
  let items: unknown[];
  try {
    const v: unknown = JSON.parse(req.body.toString('utf8'));
    if (!isObj(v) || !Array.isArray(v[kind])) throw new Error(`expected {"${kind}": [...]}`);
    items = v[kind];
  } catch (err) {
    const message = `cannot decode Mastra ${kind} batch: ${(err as Error).message}`;
    deps.quarantine.add({ source: `mastra:${req.path}`, reason: message, text: req.body.toString('utf8') });
    return { status: 400, contentType: 'application/json', body: JSON.stringify({ error: message }) };
  }
  const origin = { serverId: run.serverId, runId: run.runId, service: run.serviceName };
  const records: TelemetryRecord[] = [];
  let rejected = 0;
  for (const item of items) {
    const id = crypto.randomUUID();
    // Too deep to copy or even to quarantine as text: JSON.stringify would overflow the stack.
    const deep = isObj(item) ? nestingProblem(item) : undefined;
    const r = !isObj(item) ? 'item is not an object'
      : deep !== undefined ? deep
      : kind === 'spans' ? mastraSpan(item, origin)
      : kind === 'logs' ? mastraLog(item, id, origin)
      : kind === 'metrics' ? mastraMetric(item, id, origin)
      : mastraScore(item, id, origin);
    if (typeof r === 'string') {
      rejected++;
      deps.quarantine.add({ source: `mastra:${req.path}`, reason: r, text: deep ? undefined : JSON.stringify(item) });
    } else records.push(r);
  }
  deps.sink(records);
  return { status: 200, contentType: 'application/json', body: JSON.stringify({ accepted: records.length, rejected }) };
}
