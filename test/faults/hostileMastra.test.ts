/**
 * 10,000 mutated Mastra observability JSONL lines in a run's watched folder of the real daemon:
 * bad JSON, wrong types, huge strings (one line longer than the watcher's read chunk), deep
 * nesting, mixed with clean control spans. Every line ends up either as a span in the store or as
 * a quarantine entry naming file, line and reason; no line is both and none is neither. Every
 * control span is queryable, and so is a span written after the whole hostile file.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GetTraceRequest } from '../../shared/protocol';
import { waitFor } from '../integration/helpers';
import { figure } from './figures';
import { deepNest, jsonText, mutateBytes, mutateJson, Tally } from './fuzz';
import { startLiveDaemon, type LiveDaemon } from './liveDaemon';
import { seededRandom } from './seeded';

const LINES = 10_000;
const CONTROL_EVERY = 10;

/** Ids hashed from the line number: a mutation that changes one digit cannot hit another line's id. */
function ids(n: number): { traceId: string; spanId: string } {
  const h = crypto.createHash('sha256').update(`mastra-fuzz-${n}`).digest('hex');
  return { traceId: h.slice(0, 32), spanId: h.slice(32, 48) };
}

function spanLine(n: number, t0: number): Record<string, unknown> {
  return {
    type: 'span',
    data: {
      ...ids(n), parentSpanId: null, name: `tool ${n}`, spanType: 'tool_call', attributes: { n, model: 'gpt-x', usage: { inputTokens: 3 } },
      startedAt: new Date(t0 + n).toISOString(), endedAt: new Date(t0 + n + 2).toISOString(), input: { q: n }, output: 'ok', error: null, isEvent: false,
    },
  };
}

/** One hostile line: its JSON text, never containing a newline (that would make it two lines). */
function hostileLine(rng: ReturnType<typeof seededRandom>, n: number, t0: number, tally: Tally): string {
  // Every 500th line is a giant (1 MB string or 100,000 levels); the rest stay small enough that
  // the file fits the test's memory.
  const giant = n % 500 === 1;
  const line = spanLine(n, t0);
  const data = line.data as Record<string, unknown>;
  const kind = rng.pick(['bad json', 'wrong types', 'huge string', 'deep nesting'] as const);
  tally.add(kind);
  switch (kind) {
    case 'bad json': return mutateBytes(rng, Buffer.from(JSON.stringify(line))).toString('latin1').replace(/[\r\n]/g, ' ');
    case 'wrong types': return jsonText(mutateJson(rng, line, 64 * 1024));
    case 'huge string': data[rng.pick(['name', 'input', 'output', 'spanId', 'error'])] = 'h'.repeat(giant ? 1_000_000 : rng.pick([10_000, 50_000])); return JSON.stringify(line);
    default: data[rng.pick(['attributes', 'input', 'metadata', 'output'])] = deepNest(giant ? 100_000 : rng.pick([1_000, 5_000])); return jsonText(line);
  }
}

describe('hostile Mastra JSONL (real daemon)', function () {
  this.timeout(600_000);
  let d: LiveDaemon;

  before(async () => {
    d = await startLiveDaemon('rl-fz-mastra-');
  });
  after(async () => d?.stop());

  it('turns each of 10,000 mutated lines into a span or a quarantine entry with file, line and reason', async () => {
    const rng = seededRandom('Mastra JSONL mutated lines');
    const t0 = Date.now() - 600_000;
    const tally = new Tally();
    const lines: string[] = [];
    const controls: number[] = [];
    for (let n = 0; n < LINES; n++) {
      if (n % CONTROL_EVERY === 0) {
        controls.push(n);
        lines.push(JSON.stringify(spanLine(n, t0)));
      } else lines.push(hostileLine(rng, n, t0, tally));
    }
    // Longer than the watcher's 4 MiB read: the lines after it must still be read.
    lines.push(JSON.stringify({ type: 'span', data: { ...ids(LINES), name: 'x'.repeat(5 * 2 ** 20), startedAt: new Date(t0).toISOString() } }));
    lines.push(JSON.stringify(spanLine(LINES + 1, t0)));
    controls.push(LINES + 1);
    console.log(`      hostile lines: ${tally}`);

    const dir = path.join(d.home, 'projects', 'p1', 'runs', 'r1', 'observability', 'span', 'p1');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, '1700000000000_hostile.jsonl');
    const before = await d.stats();
    fs.writeFileSync(file, lines.join('\n') + '\n');

    // Settled when every line is accounted for: stored as a span or quarantined.
    const settled = await waitFor('every line stored or quarantined', async () => {
      const s = await d.stats();
      const spans = s.stores.find((x) => x.backend === 'local')!.spans;
      return spans + s.quarantined - before.quarantined >= lines.length ? { spans, quarantined: s.quarantined - before.quarantined } : undefined;
    }, 400_000).catch(async (err: Error) => {
      const s = await d.stats();
      throw new Error(`${err.message}: ${s.stores[0]?.spans} spans, ${s.quarantined - before.quarantined} quarantined of ${lines.length} lines`);
    });
    const entries = fs.readFileSync(before.quarantineFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { source: string; line?: number; reason: string });
    const ours = entries.filter((e) => e.source === file);
    const twice = ours.filter((e, i) => ours.findIndex((o) => o.line === e.line) !== i);
    assert.deepEqual(twice.slice(0, 3), [], `${twice.length} lines quarantined twice`);
    assert.deepEqual(entries.filter((e) => e.source !== file).slice(0, 3), [], 'nothing else is quarantined');
    assert.equal(settled.spans + settled.quarantined, lines.length, 'no line both stored and quarantined');
    assert.equal(ours.length, settled.quarantined);
    assert.ok(ours.every((e) => typeof e.line === 'number' && e.line >= 1 && e.reason.length > 0), 'each entry names its line and reason');
    assert.ok(ours.some((e) => e.line === LINES + 1 && /longer than/.test(e.reason)), 'the over-long line is quarantined as such');

    let missing = 0;
    for (const n of controls) {
      const t = await d.client.sendRequest(GetTraceRequest, { traceId: ids(n).traceId });
      if (!t.spans.some((s) => s.spanId === ids(n).spanId)) missing++;
    }
    assert.equal(missing, 0, `${missing} control spans are not queryable`);
    await d.assertServing();
    figure('Mastra JSONL mutated lines', 'lines / stored / quarantined', `${lines.length} / ${settled.spans} / ${settled.quarantined}`);
    figure('Mastra JSONL mutated lines', 'hostile kinds', tally.toString());
    figure('Mastra JSONL mutated lines', 'control spans written / queryable', `${controls.length} / ${controls.length - missing}`);
  });
});
