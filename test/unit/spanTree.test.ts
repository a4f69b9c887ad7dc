import * as assert from 'node:assert/strict';
import type { SpanRecord } from '../../shared/telemetry/model';
import { SpanTree } from '../../webviews/traces/spanTree';

const T = 'a'.repeat(32);
const BASE = 1_700_000_000_000n * 1_000_000n;

/** A span from `startMs` to `endMs` after the base time. */
function span(id: number, parent: number | undefined, name: string, startMs: number, endMs: number, extra: Partial<SpanRecord> = {}): SpanRecord {
  const ns = (ms: number) => String(BASE + BigInt(Math.round(ms * 1e6)));
  return {
    t: 'span', traceId: T, spanId: id.toString(16).padStart(16, '0'), parentSpanId: parent === undefined ? undefined : parent.toString(16).padStart(16, '0'),
    name, kind: 1, status: 0, startTimeUnixNano: ns(startMs), endTimeUnixNano: ns(endMs), attributes: {}, ...extra,
  };
}

//   root 0..100
//   ├─ a 0..30        (not critical: b ends last, c ends before b starts)
//   ├─ c 5..40        critical
//   │   └─ c1 10..20  critical
//   └─ b 45..100      critical, error
const spans = [
  span(1, undefined, 'root', 0, 100),
  span(4, 1, 'b', 45, 100, { status: 2 }),
  span(2, 1, 'a', 0, 30, { attributes: { 'db.statement': 'SELECT 1' } }),
  span(3, 1, 'c', 5, 40),
  span(5, 3, 'c1', 10, 20),
  span(6, 99, 'orphan', 50, 60),
];

describe('span tree', () => {
  it('orders children by start and keeps spans with a missing parent as roots', () => {
    const tree = new SpanTree(spans);
    assert.deepEqual(tree.order.map((n) => n.span.name), ['root', 'a', 'c', 'c1', 'b', 'orphan']);
    assert.deepEqual(tree.roots.map((n) => n.span.name), ['root', 'orphan']);
    assert.equal(tree.durationMs, 100);
    assert.equal(tree.byId.get('0000000000000005')?.depth, 2);
  });

  it('marks the critical path and the errors', () => {
    const tree = new SpanTree(spans);
    const critical = tree.order.filter((n) => n.critical).map((n) => n.span.name);
    assert.deepEqual(critical.filter((n) => n !== 'orphan'), ['root', 'c', 'c1', 'b']);
    assert.equal(tree.errorCount, 1);
  });

  it('hides the subtree of a collapsed span and reveals a hidden span on request', () => {
    const tree = new SpanTree(spans);
    const c = tree.byId.get('0000000000000003')!;
    tree.setCollapsed(c, true);
    assert.deepEqual(tree.visible.map((n) => n.span.name), ['root', 'a', 'c', 'b', 'orphan']);
    const c1 = tree.byId.get('0000000000000005')!;
    assert.equal(tree.reveal(c1), 3);
    tree.collapseFrom(0);
    assert.deepEqual(tree.visible.map((n) => n.span.name), ['root', 'orphan']);
  });

  it('finds spans by name or attribute, and the next error with wrap-around', () => {
    const tree = new SpanTree(spans);
    assert.deepEqual([...tree.search('select')].map((n) => n.span.name), ['a']);
    assert.deepEqual([...tree.search('C1')].map((n) => n.span.name), ['c1']);
    const b = tree.next(undefined, (n) => n.error);
    assert.equal(b?.span.name, 'b');
    assert.equal(tree.next(b, (n) => n.error), b);
  });

  // Its speed is measured by bench/panels.ts; here only that a deep chain does not overflow the stack.
  it('builds a 10,000-span tree 10,000 levels deep without recursion', () => {
    const many: SpanRecord[] = [span(1, undefined, 'root', 0, 10_000)];
    // A chain 10,000 deep: recursion would overflow the stack.
    for (let i = 2; i <= 10_000; i++) many.push(span(i, i - 1, `s${i}`, i * 0.5, 10_000 - i * 0.5));
    const tree = new SpanTree(many);
    assert.equal(tree.visible.length, 10_000);
  });
});
