// A plain Node HTTP server instrumented with OpenTelemetry: every request is a span with its
// source location, nested spans for the work it does, request metrics, and a log record.
import http from 'node:http';
import { SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { logger, meter, shutdownTelemetry, tracer } from './telemetry.js';

const port = Number(process.env.PORT) || 3000;
const requests = meter.createCounter('http.server.requests', { description: 'Requests served' });
const duration = meter.createHistogram('http.server.request.duration', { unit: 'ms', description: 'Request duration' });

/** Runs `fn` in a span named `name`; the code-source processor records where the caller is. */
function traced(name, fn) {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      throw err;
    } finally {
      span.end();
    }
  });
}

function countPrimes(limit) {
  return traced('countPrimes', (span) => {
    let count = 0;
    for (let n = 2; n <= limit; n++) {
      let prime = true;
      for (let d = 2; d * d <= n; d++) if (n % d === 0) { prime = false; break; }
      if (prime) count++;
    }
    span.setAttribute('primes.limit', limit);
    return count;
  });
}

async function handleWork(url) {
  const limit = Math.min(Number(url.searchParams.get('n')) || 20000, 2_000_000);
  const primes = await countPrimes(limit);
  await traced('pause', () => new Promise((r) => setTimeout(r, 5)));
  return { limit, primes };
}

async function route(req, url) {
  if (url.pathname === '/health') return [200, { status: 'ok', uptime: process.uptime() }];
  if (url.pathname === '/') return [200, { hello: 'otel-node', try: ['/work?n=50000', '/fail'] }];
  if (url.pathname === '/work') return [200, await handleWork(url)];
  if (url.pathname === '/fail') return traced('fail', () => { throw new Error('this route always fails'); });
  return [404, { error: 'not found' }];
}

const server = http.createServer((req, res) => {
  const started = performance.now();
  const url = new URL(req.url ?? '/', 'http://localhost');
  traced(`${req.method} ${url.pathname}`, async (span) => {
    span.setAttributes({ 'http.request.method': req.method, 'url.path': url.pathname });
    let status = 500;
    let body;
    try {
      [status, body] = await route(req, url);
    } catch (err) {
      body = { error: err.message };
    }
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    const ms = performance.now() - started;
    const attrs = { 'http.request.method': req.method, 'http.route': url.pathname, 'http.response.status_code': status };
    requests.add(1, attrs);
    duration.record(ms, attrs);
    logger.emit({
      severityNumber: status >= 500 ? SeverityNumber.ERROR : SeverityNumber.INFO,
      severityText: status >= 500 ? 'ERROR' : 'INFO',
      body: `${req.method} ${url.pathname} ${status} ${ms.toFixed(1)}ms`,
      attributes: attrs,
    });
    console.log(`${new Date().toISOString()} ${req.method} ${url.pathname} ${status} ${ms.toFixed(1)}ms`);
  }).catch((err) => console.error('request failed:', err));
});

server.listen(port, () => console.log(`otel-node listening on http://localhost:${port}`));

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.log(`otel-node: ${signal}, shutting down`);
    server.close(() => shutdownTelemetry().finally(() => process.exit(0)));
  });
}
