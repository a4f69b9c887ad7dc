/**
 * The model behind the waterfall: spans of one trace as a tree (children by start time, spans whose
 * parent is missing shown as roots), which nodes are visible given the collapsed ones, the critical
 * path, errors and search matches. Built once per trace in O(n log n); the renderer only reads
 * `visible`, so a 10,000-span trace costs one pass here and a screenful of rows in the DOM.
 */
import type { SpanRecord } from '../../shared/telemetry/model';
import { spanSource } from '../../shared/telemetry/spanSource';
import { nanosToMs, valueText } from '../common/dom';

export interface SpanNode {
  span: SpanRecord;
  /** Ms since the trace's first start. */
  start: number;
  end: number;
  depth: number;
  parent?: SpanNode;
  children: SpanNode[];
  error: boolean;
  critical: boolean;
  /** Whether the span names its code (attributes or a project stack frame). */
  hasSource: boolean;
}

export class SpanTree {
  readonly roots: SpanNode[] = [];
  /** Every node in depth-first order (the order rows appear when nothing is collapsed). */
  readonly order: SpanNode[] = [];
  readonly byId = new Map<string, SpanNode>();
  readonly startMs: number;
  readonly durationMs: number;
  readonly errorCount: number;
  private readonly collapsed = new Set<SpanNode>();
  visible: SpanNode[] = [];

  constructor(spans: SpanRecord[]) {
    let min = Infinity;
    let max = -Infinity;
    // Absolute times in typed arrays: a 10,000-span trace opens faster without an object per span here.
    const starts = new Float64Array(spans.length);
    const ends = new Float64Array(spans.length);
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i];
      const start = nanosToMs(s.startTimeUnixNano);
      // A span still running has no end: draw it up to the latest time seen.
      const end = s.endTimeUnixNano ? nanosToMs(s.endTimeUnixNano) : NaN;
      if (start < min) min = start;
      if (end > max) max = end;
      if (start > max) max = start;
      starts[i] = start;
      ends[i] = end;
    }
    this.startMs = Number.isFinite(min) ? min : 0;
    this.durationMs = Math.max(0, max - this.startMs);
    let errors = 0;
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i];
      const node: SpanNode = {
        span: s,
        start: starts[i] - this.startMs,
        end: (Number.isNaN(ends[i]) ? max : ends[i]) - this.startMs,
        depth: 0,
        children: [],
        error: s.status === 2 || (s.events !== undefined && s.events.some((e) => e.name === 'exception')),
        critical: false,
        hasSource: spanSource(s) !== undefined,
      };
      if (node.error) errors++;
      this.byId.set(s.spanId, node);
    }
    this.errorCount = errors;
    for (const node of this.byId.values()) {
      const parent = node.span.parentSpanId ? this.byId.get(node.span.parentSpanId) : undefined;
      if (parent && parent !== node) {
        node.parent = parent;
        parent.children.push(node);
      } else this.roots.push(node);
    }
    const byStart = (a: SpanNode, b: SpanNode) => a.start - b.start || a.end - b.end;
    this.roots.sort(byStart);
    // Iterative depth-first walk: a deep trace must not overflow the stack.
    const stack = [...this.roots].reverse();
    while (stack.length > 0) {
      const node = stack.pop() as SpanNode;
      node.depth = node.parent ? node.parent.depth + 1 : 0;
      this.order.push(node);
      node.children.sort(byStart);
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
    }
    for (const root of this.roots) this.markCritical(root);
    this.refresh();
  }

  /**
   * The critical path: from a span, the child that ends last, then the child that ends last before
   * that one started, and so on; each step recurses. It is what made the trace as long as it was.
   */
  private markCritical(root: SpanNode): void {
    const work = [root];
    while (work.length > 0) {
      const node = work.pop() as SpanNode;
      node.critical = true;
      let cursor = node.end;
      const byEnd = node.children.length > 1 ? [...node.children].sort((a, b) => b.end - a.end) : node.children;
      for (const child of byEnd) {
        if (child.end <= cursor + 1e-6) {
          work.push(child);
          cursor = child.start;
        }
      }
    }
  }

  isCollapsed(node: SpanNode): boolean {
    return this.collapsed.has(node);
  }

  setCollapsed(node: SpanNode, collapsed: boolean): void {
    if (node.children.length === 0) return;
    if (collapsed) this.collapsed.add(node);
    else this.collapsed.delete(node);
    this.refresh();
  }

  /** Collapses every span at `depth` or deeper (0 collapses all, Infinity expands all). */
  collapseFrom(depth: number): void {
    this.collapsed.clear();
    for (const node of this.order) if (node.depth >= depth && node.children.length > 0) this.collapsed.add(node);
    this.refresh();
  }

  /** Expands every ancestor of `node`, so it becomes visible; returns its row index. */
  reveal(node: SpanNode): number {
    let changed = false;
    for (let p = node.parent; p; p = p.parent) changed = this.collapsed.delete(p) || changed;
    if (changed) this.refresh();
    return this.visible.indexOf(node);
  }

  private refresh(): void {
    const out: SpanNode[] = [];
    let skipBelow = Infinity;
    for (const node of this.order) {
      if (node.depth > skipBelow) continue;
      skipBelow = Infinity;
      out.push(node);
      if (this.collapsed.has(node)) skipBelow = node.depth;
    }
    this.visible = out;
  }

  /** The next node after `from` in depth-first order matching `test`, wrapping around. */
  next(from: SpanNode | undefined, test: (n: SpanNode) => boolean, backwards = false): SpanNode | undefined {
    const n = this.order.length;
    const at = from ? this.order.indexOf(from) : backwards ? 0 : -1;
    for (let i = 1; i <= n; i++) {
      const node = this.order[(((at + (backwards ? -i : i)) % n) + n) % n];
      if (test(node)) return node;
    }
    return undefined;
  }

  /** Spans whose name, or any attribute key or value, contains `query` (case-insensitive). */
  search(query: string): Set<SpanNode> {
    const q = query.trim().toLowerCase();
    const hits = new Set<SpanNode>();
    if (q === '') return hits;
    for (const node of this.order) {
      if (node.span.name.toLowerCase().includes(q)) {
        hits.add(node);
        continue;
      }
      for (const [k, v] of Object.entries(node.span.attributes)) {
        if (k.toLowerCase().includes(q) || valueText(v).toLowerCase().includes(q)) {
          hits.add(node);
          break;
        }
      }
    }
    return hits;
  }
}
