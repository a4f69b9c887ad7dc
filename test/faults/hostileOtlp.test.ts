/**
 * Hostile OTLP on the real daemon's receiver: 10,000 mutated JSON and protobuf bodies mixed with
 * clean control traces, gzip and deflate bombs, and 25 MiB bodies with and without a length.
 * Each body is answered 200 (whole or partial) or 400, never 5xx; every 400 and every partial
 * answer leaves exactly one quarantine entry with its reason; every control trace is queryable
 * whole afterwards; the daemon is the same process throughout.
 */
import * as assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { GetTraceRequest } from '../../shared/protocol';
import { waitFor } from '../integration/helpers';
import { figure } from './figures';
import { jsonText, mutateBytes, mutateJson, Tally } from './fuzz';
import { seededRandom } from './seeded';
import { startLiveDaemon, type LiveDaemon } from './liveDaemon';
import { inParallel, jsonBody, post, protoBody, rejectedIn, sdkTraces, type SdkTrace } from './otlpBodies';

const FUZZ_BODIES = 10_000;
const CONTROL_EVERY = 25;
const SPANS_PER_TRACE = 5;
const JSON_TYPE = { 'content-type': 'application/json' };
const PROTO_TYPE = { 'content-type': 'application/x-protobuf' };

interface Sent {
  body: Buffer;
  proto: boolean;
  control?: SdkTrace;
}

describe('hostile OTLP bodies (real daemon)', function () {
  this.timeout(600_000);
  let d: LiveDaemon;

  before(async () => {
    d = await startLiveDaemon('rl-fz-otlp-');
  });
  after(async () => d?.stop());

  it('answers 10,000 mutated JSON and protobuf bodies with 200 or 400, quarantines each refusal, keeps every control trace', async () => {
    const rng = seededRandom('OTLP mutated bodies');
    const bases = await sdkTraces(50, SPANS_PER_TRACE, 'fuzz-base');
    const controls = await sdkTraces(FUZZ_BODIES / CONTROL_EVERY, SPANS_PER_TRACE, 'fuzz-control');
    const sent: Sent[] = [];
    for (let i = 0; i < FUZZ_BODIES; i++) {
      const base = rng.pick(bases).spans;
      const proto = i % 2 === 1;
      let body: Buffer;
      if (proto) body = mutateBytes(rng, protoBody(base));
      else if (rng.next() < 0.5) body = mutateBytes(rng, jsonBody(base));
      else body = Buffer.from(jsonText(mutateJson(rng, JSON.parse(jsonBody(base).toString('utf8')), 256 * 1024)));
      sent.push({ body, proto });
      if (i % CONTROL_EVERY === 0) {
        const control = controls[i / CONTROL_EVERY]!;
        sent.push({ body: i % 50 === 0 ? protoBody(control.spans) : jsonBody(control.spans), proto: i % 50 === 0, control });
      }
    }
    const quarantinedBefore = (await d.stats()).quarantined;
    const rssBefore = d.rss();
    const tally = new Tally();
    const failures: string[] = [];
    await inParallel(sent, 8, async (s) => {
      const r = await post(`${d.endpoint}/v1/traces`, s.body, s.proto ? PROTO_TYPE : JSON_TYPE);
      const kind = s.control ? 'control' : s.proto ? 'proto' : 'json';
      if (r.status === 400) tally.add(`${kind} 400`);
      else if (r.status === 200) tally.add(rejectedIn(r.body, s.proto) > 0 ? `${kind} 200 partial` : `${kind} 200 whole`);
      else failures.push(`${kind} body answered ${r.status}: ${r.body.toString('utf8').slice(0, 200)}`);
    });
    console.log(`      outcomes: ${tally}`);
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} bodies got neither 200 nor 400`);
    assert.equal(tally.get('control 200 whole'), controls.length, 'every clean control body is accepted whole');
    const refused = ['json', 'proto'].reduce((n, k) => n + tally.get(`${k} 400`) + tally.get(`${k} 200 partial`), 0);
    // One quarantine entry per refused body or partly refused batch, each with its reason.
    const stats = await waitFor('the quarantine count to settle', async () => {
      const s = await d.stats();
      return s.quarantined - quarantinedBefore === refused ? s : undefined;
    });
    assert.equal(stats.quarantined - quarantinedBefore, refused);
    let missing = 0;
    for (const c of controls) {
      const got = await waitFor(`control trace ${c.traceId}`, async () => {
        const t = await d.client.sendRequest(GetTraceRequest, { traceId: c.traceId });
        return t.spans.length >= SPANS_PER_TRACE ? t.spans.length : undefined;
      }, 30_000).catch(() => 0);
      if (got !== SPANS_PER_TRACE) missing++;
    }
    assert.equal(missing, 0, `${missing} control traces are not queryable whole`);
    await d.assertServing();
    const accepted = ['json', 'proto'].reduce((n, k) => n + tally.get(`${k} 200 whole`), 0);
    figure('OTLP mutated bodies', 'sent / rejected 400 / partial 200 / whole 200', `${FUZZ_BODIES} / ${tally.get('json 400') + tally.get('proto 400')} / ${refused - tally.get('json 400') - tally.get('proto 400')} / ${accepted}`);
    figure('OTLP mutated bodies', 'quarantine entries / refusals', `${stats.quarantined - quarantinedBefore} / ${refused}`);
    figure('OTLP mutated bodies', 'control traces sent / queryable whole', `${controls.length} / ${controls.length - missing}`);
    figure('OTLP mutated bodies', 'daemon RSS before / after (MiB)', `${(rssBefore / 2 ** 20).toFixed(0)} / ${(d.rss() / 2 ** 20).toFixed(0)}`);
  });

  it('answers gzip and deflate bombs with 413 without inflating them in memory', async () => {
    // 16 gzip members of 64 MiB of zeros each: 1 GiB once inflated, about 1 MiB on the wire.
    const member = zlib.gzipSync(Buffer.alloc(64 * 2 ** 20));
    const gzipBomb = Buffer.concat(Array.from({ length: 16 }, () => member));
    const deflateBomb = zlib.deflateSync(Buffer.alloc(256 * 2 ** 20));
    const rssBefore = d.rss();
    const g = await post(`${d.endpoint}/v1/traces`, gzipBomb, { ...JSON_TYPE, 'content-encoding': 'gzip' });
    const f = await post(`${d.endpoint}/v1/logs`, deflateBomb, { ...PROTO_TYPE, 'content-encoding': 'deflate' });
    assert.equal(g.status, 413, g.body.toString('utf8'));
    assert.match(g.body.toString('utf8'), /inflated body exceeds/);
    assert.equal(f.status, 413, f.body.toString('utf8'));
    const growth = d.rss() - rssBefore;
    assert.ok(growth < 128 * 2 ** 20, `daemon RSS grew by ${growth} bytes`);
    await d.assertServing();
    figure('OTLP gzip bombs', 'wire bytes / inflated bytes / status', `${gzipBomb.length + deflateBomb.length} / ${(16 * 64 + 256) * 2 ** 20} / ${g.status},${f.status}`);
    figure('OTLP gzip bombs', 'daemon RSS growth (MiB)', (growth / 2 ** 20).toFixed(1));
  });

  it('answers 25 MiB bodies with 413, with or without a Content-Length, and then takes a normal trace', async () => {
    const big = Buffer.alloc(25 * 2 ** 20, 0x20);
    const declared = await post(`${d.endpoint}/v1/traces`, big, JSON_TYPE);
    const chunks = Array.from({ length: 25 }, () => Buffer.alloc(2 ** 20, 0x20));
    const streamed = await post(`${d.endpoint}/v1/traces`, chunks, { ...PROTO_TYPE, 'transfer-encoding': 'chunked' });
    assert.equal(declared.status, 413);
    assert.equal(streamed.status, 413);
    assert.match(streamed.body.toString('utf8'), /exceeds the \d+-byte limit; send smaller batches/);
    const [after] = await sdkTraces(1, SPANS_PER_TRACE, 'after-big');
    assert.equal((await post(`${d.endpoint}/v1/traces`, protoBody(after!.spans), PROTO_TYPE)).status, 200);
    await waitFor('the trace sent after the big bodies', async () =>
      (await d.client.sendRequest(GetTraceRequest, { traceId: after!.traceId })).spans.length === SPANS_PER_TRACE || undefined);
    await d.assertServing();
    figure('OTLP 25 MiB bodies', 'with length / chunked / next trace', `${declared.status} / ${streamed.status} / stored`);
  });
});
