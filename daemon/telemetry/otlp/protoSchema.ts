/**
 * The OTLP/HTTP protobuf messages Runlens decodes and encodes, as a protobufjs JSON descriptor
 * written from the OpenTelemetry protocol's field numbers (opentelemetry-proto v1). Field names are
 * camelCase so decoded objects have the shape of OTLP JSON and one normalizer serves both. Enums
 * are declared as int32: same wire format, and the normalizer wants numbers.
 */
import protobuf from 'protobufjs/light';

type Fields = Record<string, { type: string; id: number; rule?: 'repeated' }>;

const f = (type: string, id: number): { type: string; id: number } => ({ type, id });
const many = (type: string, id: number): { type: string; id: number; rule: 'repeated' } => ({ type, id, rule: 'repeated' });
const msg = (fields: Fields): { fields: Fields } => ({ fields });

const descriptor = {
  nested: {
    AnyValue: msg({
      stringValue: f('string', 1), boolValue: f('bool', 2), intValue: f('int64', 3), doubleValue: f('double', 4),
      arrayValue: f('ArrayValue', 5), kvlistValue: f('KeyValueList', 6), bytesValue: f('bytes', 7),
    }),
    ArrayValue: msg({ values: many('AnyValue', 1) }),
    KeyValueList: msg({ values: many('KeyValue', 1) }),
    KeyValue: msg({ key: f('string', 1), value: f('AnyValue', 2) }),
    Scope: msg({ name: f('string', 1), version: f('string', 2), attributes: many('KeyValue', 3) }),
    Resource: msg({ attributes: many('KeyValue', 1) }),

    ExportTraceServiceRequest: msg({ resourceSpans: many('ResourceSpans', 1) }),
    ResourceSpans: msg({ resource: f('Resource', 1), scopeSpans: many('ScopeSpans', 2), schemaUrl: f('string', 3) }),
    ScopeSpans: msg({ scope: f('Scope', 1), spans: many('Span', 2), schemaUrl: f('string', 3) }),
    Span: msg({
      traceId: f('bytes', 1), spanId: f('bytes', 2), traceState: f('string', 3), parentSpanId: f('bytes', 4),
      name: f('string', 5), kind: f('int32', 6), startTimeUnixNano: f('fixed64', 7), endTimeUnixNano: f('fixed64', 8),
      attributes: many('KeyValue', 9), events: many('SpanEvent', 11), links: many('SpanLink', 13),
      status: f('Status', 15), flags: f('fixed32', 16),
    }),
    SpanEvent: msg({ timeUnixNano: f('fixed64', 1), name: f('string', 2), attributes: many('KeyValue', 3) }),
    SpanLink: msg({ traceId: f('bytes', 1), spanId: f('bytes', 2), traceState: f('string', 3), attributes: many('KeyValue', 4) }),
    Status: msg({ message: f('string', 2), code: f('int32', 3) }),

    ExportLogsServiceRequest: msg({ resourceLogs: many('ResourceLogs', 1) }),
    ResourceLogs: msg({ resource: f('Resource', 1), scopeLogs: many('ScopeLogs', 2), schemaUrl: f('string', 3) }),
    ScopeLogs: msg({ scope: f('Scope', 1), logRecords: many('LogRecord', 2), schemaUrl: f('string', 3) }),
    LogRecord: msg({
      timeUnixNano: f('fixed64', 1), severityNumber: f('int32', 2), severityText: f('string', 3), body: f('AnyValue', 5),
      attributes: many('KeyValue', 6), flags: f('fixed32', 8), traceId: f('bytes', 9), spanId: f('bytes', 10),
      observedTimeUnixNano: f('fixed64', 11), eventName: f('string', 12),
    }),

    ExportMetricsServiceRequest: msg({ resourceMetrics: many('ResourceMetrics', 1) }),
    ResourceMetrics: msg({ resource: f('Resource', 1), scopeMetrics: many('ScopeMetrics', 2), schemaUrl: f('string', 3) }),
    ScopeMetrics: msg({ scope: f('Scope', 1), metrics: many('Metric', 2), schemaUrl: f('string', 3) }),
    Metric: msg({
      name: f('string', 1), description: f('string', 2), unit: f('string', 3),
      gauge: f('Gauge', 5), sum: f('Sum', 7), histogram: f('Histogram', 9),
    }),
    Gauge: msg({ dataPoints: many('NumberDataPoint', 1) }),
    Sum: msg({ dataPoints: many('NumberDataPoint', 1), aggregationTemporality: f('int32', 2), isMonotonic: f('bool', 3) }),
    Histogram: msg({ dataPoints: many('HistogramDataPoint', 1), aggregationTemporality: f('int32', 2) }),
    NumberDataPoint: msg({
      startTimeUnixNano: f('fixed64', 2), timeUnixNano: f('fixed64', 3), asDouble: f('double', 4), asInt: f('sfixed64', 6),
      attributes: many('KeyValue', 7), flags: f('uint32', 8),
    }),
    HistogramDataPoint: msg({
      startTimeUnixNano: f('fixed64', 2), timeUnixNano: f('fixed64', 3), count: f('fixed64', 4), sum: f('double', 5),
      bucketCounts: many('fixed64', 6), explicitBounds: many('double', 7), attributes: many('KeyValue', 9),
      flags: f('uint32', 10), min: f('double', 11), max: f('double', 12),
    }),

    ExportTraceServiceResponse: msg({ partialSuccess: f('ExportTracePartialSuccess', 1) }),
    ExportTracePartialSuccess: msg({ rejectedSpans: f('int64', 1), errorMessage: f('string', 2) }),
    ExportLogsServiceResponse: msg({ partialSuccess: f('ExportLogsPartialSuccess', 1) }),
    ExportLogsPartialSuccess: msg({ rejectedLogRecords: f('int64', 1), errorMessage: f('string', 2) }),
    ExportMetricsServiceResponse: msg({ partialSuccess: f('ExportMetricsPartialSuccess', 1) }),
    ExportMetricsPartialSuccess: msg({ rejectedDataPoints: f('int64', 1), errorMessage: f('string', 2) }),
  },
};

export type Signal = 'traces' | 'logs' | 'metrics';

const NAMES: Record<Signal, { request: string; response: string; rejectedField: string }> = {
  traces: { request: 'ExportTraceServiceRequest', response: 'ExportTraceServiceResponse', rejectedField: 'rejectedSpans' },
  logs: { request: 'ExportLogsServiceRequest', response: 'ExportLogsServiceResponse', rejectedField: 'rejectedLogRecords' },
  metrics: { request: 'ExportMetricsServiceRequest', response: 'ExportMetricsServiceResponse', rejectedField: 'rejectedDataPoints' },
};

export class OtlpProtobuf {
  private readonly root = protobuf.Root.fromJSON(descriptor);

  /** Decodes a request body into an OTLP-JSON-shaped object; throws on malformed input. */
  decode(signal: Signal, body: Uint8Array): Record<string, unknown> {
    const type = this.root.lookupType(NAMES[signal].request);
    const message = type.decode(body);
    // 64-bit integers stay Long objects; values.ts turns them into exact decimals (nanos, intValue).
    return type.toObject(message, { enums: Number, defaults: false, arrays: false });
  }

  encodeResponse(signal: Signal, rejected: number, errorMessage: string): Uint8Array {
    const names = NAMES[signal];
    const type = this.root.lookupType(names.response);
    const partial = rejected > 0 || errorMessage ? { partialSuccess: { [names.rejectedField]: rejected, errorMessage } } : {};
    return type.encode(type.fromObject(partial)).finish();
  }
}
