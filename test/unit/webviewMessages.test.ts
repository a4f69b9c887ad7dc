import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tryParse } from '../../shared/webview/check';
import { METRICS_MESSAGE_TYPES, parseMetricsToHost, parseMetricsToWebview } from '../../shared/webview/metrics';
import { DEFAULT_FILTER, parseTracesToHost, parseTracesToWebview, TRACES_MESSAGE_TYPES } from '../../shared/webview/traces';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

describe('webview messages', () => {
  it('accepts well-formed traces panel messages in both directions', () => {
    assert.deepEqual(parseTracesToHost({ type: 'openSource', traceId: TRACE, spanId: SPAN }), { type: 'openSource', traceId: TRACE, spanId: SPAN });
    const list = parseTracesToHost({ type: 'listTraces', filter: { ...DEFAULT_FILTER, nameContains: 'GET' } });
    assert.equal(list.type === 'listTraces' && list.filter.nameContains, 'GET');
    const trace = parseTracesToWebview({
      type: 'trace', traceId: TRACE, logs: [],
      spans: [{ spanId: SPAN, name: 'GET /', startTimeUnixNano: '1', endTimeUnixNano: '2', status: 0, attributes: {} }],
    });
    assert.equal(trace.type === 'trace' && trace.spans.length, 1);
  });

  it('rejects malformed messages with the field that is wrong', () => {
    const problems: string[] = [];
    const report = (p: string) => problems.push(p);
    assert.equal(tryParse(parseTracesToHost, { type: 'openSource', traceId: '../../etc', spanId: SPAN }, report), undefined);
    assert.equal(tryParse(parseTracesToHost, { type: 'listTraces', filter: { ...DEFAULT_FILTER, range: 'forever' } }, report), undefined);
    assert.equal(tryParse(parseTracesToHost, { type: 'runCommand', command: 'rm' }, report), undefined);
    assert.equal(tryParse(parseTracesToHost, 'ready', report), undefined);
    assert.equal(tryParse(parseMetricsToHost, { type: 'query', query: { serverId: 1 } }, report), undefined);
    assert.equal(tryParse(parseMetricsToWebview, { type: 'series', cpu: 'x' }, report), undefined);
    assert.equal(problems.length, 6);
    assert.match(problems[0], /traceId/);
    assert.match(problems[1], /range/);
  });

  it('carries the shared time range both ways and refuses a custom range that ends before it starts', () => {
    assert.deepEqual(parseTracesToHost({ type: 'setRange', window: { range: '6h' } }), { type: 'setRange', window: { range: '6h' } });
    assert.deepEqual(parseMetricsToWebview({ type: 'setRange', window: { range: 'custom', fromMs: 1, toMs: 2 } }), { type: 'setRange', window: { range: 'custom', fromMs: 1, toMs: 2 } });
    const init = parseTracesToWebview({ type: 'init', servers: [], live: true, window: { range: '24h' } });
    assert.equal(init.type === 'init' && init.window?.range, '24h');
    const problems: string[] = [];
    assert.equal(tryParse(parseMetricsToHost, { type: 'setRange', window: { range: 'custom', fromMs: 5, toMs: 2 } }, (p) => problems.push(p)), undefined);
    assert.equal(tryParse(parseMetricsToHost, { type: 'query', query: { serverId: 's', range: 'custom', appAggregation: 'avg' } }, (p) => problems.push(p)), undefined);
    assert.deepEqual(problems.map((p) => /fromMs/.test(p)), [true, true]);
  });

  it('carries an app metric split by an attribute and the picker list', () => {
    const q = parseMetricsToHost({ type: 'query', query: { serverId: 's', range: '1h', appAggregation: 'p95', appMetric: 'jobs', groupBy: 'queue' } });
    assert.equal(q.type === 'query' && q.query.groupBy, 'queue');
    const series = parseMetricsToWebview({
      type: 'series', serverId: 's', fromMs: 0, toMs: 1, bucketMs: 1000, cpu: [], rss: [], red: [],
      app: { name: 'jobs', points: [{ t: 0, v: 3 }], groups: [{ value: 'fast', points: [{ t: 0, v: 1 }] }] },
      metrics: [{ name: 'jobs', unit: '1', attributeKeys: ['queue'] }],
    });
    assert.equal(series.type === 'series' && series.app?.groups?.[0]?.value, 'fast');
    assert.equal(series.type === 'series' && series.metrics[0]?.attributeKeys[0], 'queue');
    assert.throws(() => parseMetricsToWebview({ type: 'series', serverId: 's', fromMs: 0, toMs: 1, bucketMs: 1, cpu: [], rss: [], red: [], metrics: [{ name: 'x', attributeKeys: [7] }] }), /attributeKeys\[0\]/);
  });

  it('lists every panel message type in docs/protocol.md', () => {
    const doc = fs.readFileSync(path.resolve(__dirname, '../../docs/protocol.md'), 'utf8');
    const rows = [
      ...TRACES_MESSAGE_TYPES.toHost.map((t) => `traces | webview → host | \`${t}\``),
      ...TRACES_MESSAGE_TYPES.toWebview.map((t) => `traces | host → webview | \`${t}\``),
      ...METRICS_MESSAGE_TYPES.toHost.map((t) => `metrics | webview → host | \`${t}\``),
      ...METRICS_MESSAGE_TYPES.toWebview.map((t) => `metrics | host → webview | \`${t}\``),
    ];
    for (const row of rows) assert.ok(doc.includes(`| ${row} |`), `docs/protocol.md lacks the row '${row}'`);
  });
});
