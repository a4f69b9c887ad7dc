/**
 * Real OTLP request bodies for the hostile-input scenarios: spans made by the OpenTelemetry SDK and
 * serialized by its own JSON and protobuf serializers, and a plain HTTP poster that reports the
 * status and body (fetch hides a 413 sent before the upload finished behind a broken pipe).
 */
import * as http from 'node:http';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { context, trace } from '@opentelemetry/api';

export interface SdkTrace {
  traceId: string;
  spans: ReadableSpan[];
}

/** `count` traces of `spansPer` spans each (a root and its children), made by the real SDK. */
export async function sdkTraces(count: number, spansPer: number, service: string): Promise<SdkTrace[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('fault-suite');
  const ids: string[] = [];
  for (let t = 0; t < count; t++) {
    const root = tracer.startSpan(`${service} ${t}`, { attributes: { 'http.route': '/fuzz', n: t } });
    ids.push(root.spanContext().traceId);
    const ctx = trace.setSpan(context.active(), root);
    for (let i = 1; i < spansPer; i++) tracer.startSpan(`child ${i}`, { attributes: { i, text: 'ünïcødé ✓' } }, ctx).end();
    root.end();
  }
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return ids.map((traceId) => ({ traceId, spans: spans.filter((s) => s.spanContext().traceId === traceId) }));
}

export function jsonBody(spans: ReadableSpan[]): Buffer {
  return Buffer.from(JsonTraceSerializer.serializeRequest(spans) as Uint8Array);
}

export function protoBody(spans: ReadableSpan[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
}

/** Rejected items a 200 answer reports (JSON or protobuf `partialSuccess`); 0 when none. */
export function rejectedIn(answer: Buffer, proto: boolean): number {
  const r = proto ? ProtobufTraceSerializer.deserializeResponse(answer) : (JSON.parse(answer.toString('utf8') || '{}') as ReturnType<typeof ProtobufTraceSerializer.deserializeResponse>);
  return Number(r.partialSuccess?.rejectedSpans ?? 0);
}

export interface Answer {
  status: number;
  body: Buffer;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/**
 * POSTs `body` (or `chunks`, sent without a Content-Length as chunked encoding) and resolves with
 * the answer. A write the server refused after answering is not an error: the answer counts.
 */
export function post(url: string, body: Buffer | Buffer[], headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunked = Array.isArray(body);
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: chunked ? headers : { ...headers, 'content-length': String(body.length) },
    }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (chunked) {
      for (const c of body) req.write(c);
      req.end();
    } else req.end(body);
  });
}

/** Runs `task` over `items` with at most `width` in flight. */
export async function inParallel<T>(items: readonly T[], width: number, task: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await task(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}
