/**
 * The waterfall: one row per visible span (name with depth indentation and a twisty, then a duration
 * bar on the trace's time axis). Virtualised: a spacer gives the scroll height and a small pool of
 * row elements is moved into the viewport on scroll, so a 10,000-span trace keeps a screenful of
 * rows in the DOM. Keyboard: arrows move and collapse/expand, Enter opens the span's source, `n`/`N`
 * next/previous error; the tree follows the ARIA treeview pattern with `aria-activedescendant`.
 */
import { formatDuration, h, icon } from '../common/dom';
import type { SpanNode, SpanTree } from './spanTree';

export const ROW_HEIGHT = 22;
const OVERSCAN = 8;

export interface WaterfallEvents {
  select(node: SpanNode): void;
  openSource(node: SpanNode): void;
}

interface Row {
  el: HTMLElement;
  twisty: HTMLElement;
  name: HTMLElement;
  /** Mastra span type badge, error icon and source button: made once, shown or hidden per span. */
  type: HTMLElement;
  error: HTMLElement;
  source: HTMLElement;
  bar: HTMLElement;
  label: HTMLElement;
  node?: SpanNode;
  /** What the row shows now, to skip writes that would change nothing. */
  state: RowState;
  index?: number;
  /** The render pass that last placed this row (rows not placed in a pass are hidden). */
  pass: number;
}

/** The per-row facts that change with selection, collapse, search and zoom. */
interface RowState {
  collapsed?: boolean;
  selected?: boolean;
  match?: boolean;
  left?: number;
  width?: number;
}

export class Waterfall {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly axis: HTMLElement;
  private rows: Row[] = [];
  private tree: SpanTree | undefined;
  private selected: SpanNode | undefined;
  private matches = new Set<SpanNode>();
  /** The part of the trace on screen, in ms since its start (zoom). */
  private window = { from: 0, to: 1 };
  private frame = 0;
  private pass = 0;
  private axisKey = '';
  /**
   * The viewport's scroll offset and height, kept from its scroll events and resize observer: reading
   * them from the element during a render would force a style and layout pass before the rows go in.
   */
  private viewTop = 0;
  private viewHeight = 0;

  constructor(private readonly events: WaterfallEvents) {
    this.axis = h('div', { class: 'wf-axis', 'aria-hidden': 'true' });
    this.spacer = h('div', { class: 'wf-spacer' });
    this.viewport = h('div', { class: 'wf-viewport', tabindex: 0, role: 'tree', 'aria-label': 'Spans' }, this.spacer);
    this.element = h('div', { class: 'waterfall' }, this.axis, this.viewport);
    this.viewport.addEventListener('scroll', () => {
      this.viewTop = this.viewport.scrollTop;
      this.schedule();
    });
    this.viewport.addEventListener('keydown', (e) => this.onKey(e));
    this.viewport.addEventListener('click', (e) => this.onClick(e));
    new ResizeObserver((entries) => this.onResize(entries[entries.length - 1].contentRect.height)).observe(this.viewport);
  }

  /** Rows for a taller viewport go in before this frame paints; a shorter one waits for the next frame. */
  private onResize(height: number): void {
    const grew = height > this.viewHeight;
    this.viewHeight = height;
    if (grew) this.render();
    else this.schedule();
  }

  /** The viewport's height; before it was first measured, the window's (an upper bound). */
  private get height(): number {
    return this.viewHeight || window.innerHeight || 600;
  }

  private scrollTo(top: number): void {
    this.viewport.scrollTop = top;
    this.viewTop = top;
  }

  show(tree: SpanTree): void {
    this.tree = tree;
    this.selected = undefined;
    this.matches = new Set();
    this.window = { from: 0, to: Math.max(tree.durationMs, 0.001) };
    this.axisKey = '';
    for (const row of this.rows) {
      row.node = undefined;
      row.state = {};
    }
    this.scrollTo(0);
    this.render();
  }

  get selection(): SpanNode | undefined {
    return this.selected;
  }

  setMatches(matches: Set<SpanNode>): void {
    this.matches = matches;
    this.render();
  }

  /** Zooms the time axis: `factor` < 1 zooms in around the selection (or the middle). */
  zoom(factor: number | 'reset'): void {
    if (!this.tree) return;
    const full = Math.max(this.tree.durationMs, 0.001);
    if (factor === 'reset') this.window = { from: 0, to: full };
    else {
      const centre = this.selected ? (this.selected.start + this.selected.end) / 2 : (this.window.from + this.window.to) / 2;
      const width = Math.min(full, Math.max(full / 10_000, (this.window.to - this.window.from) * factor));
      const from = Math.min(Math.max(0, centre - width / 2), full - width);
      this.window = { from, to: from + width };
    }
    this.render();
  }

  /** Selects `node`, expanding its ancestors and scrolling it into view. */
  select(node: SpanNode, focus = false): void {
    if (!this.tree) return;
    const index = this.tree.reveal(node);
    this.selected = node;
    const top = index * ROW_HEIGHT;
    const vh = this.height;
    if (top < this.viewTop) this.scrollTo(top);
    else if (top + ROW_HEIGHT > this.viewTop + vh) this.scrollTo(top + ROW_HEIGHT - vh);
    this.render();
    if (focus) this.viewport.focus();
    this.events.select(node);
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Draws the rows in view; cheap enough to run on every scroll frame. */
  render(): void {
    const tree = this.tree;
    if (!tree) return;
    const total = tree.visible.length;
    const height = `${total * ROW_HEIGHT}px`;
    if (this.spacer.style.height !== height) this.spacer.style.height = height;
    const first = Math.max(0, Math.min(Math.floor(this.viewTop / ROW_HEIGHT), total - 1) - OVERSCAN);
    const count = Math.max(0, Math.min(total - first, Math.ceil(this.height / ROW_HEIGHT) + 2 * OVERSCAN));
    while (this.rows.length < count) this.rows.push(this.makeRow());
    // Row i of the trace always lands in pool slot i % pool size: a row that stays in view keeps
    // its element, so a scroll step refills only the rows that came into view.
    const pool = this.rows.length;
    const pass = ++this.pass;
    for (let index = first; index < first + count; index++) {
      const row = this.rows[index % pool];
      row.pass = pass;
      this.fill(row, tree.visible[index], index);
    }
    for (const row of this.rows) {
      if (row.pass === pass || !row.node) continue;
      row.el.hidden = true;
      row.node = undefined;
      row.state = {};
    }
    const active = this.selected && !this.hiddenByCollapse(this.selected) ? `span-${this.selected.span.spanId}` : undefined;
    if (active) this.viewport.setAttribute('aria-activedescendant', active);
    else this.viewport.removeAttribute('aria-activedescendant');
    const axisKey = `${this.window.from}:${this.window.to}`;
    if (axisKey !== this.axisKey) {
      this.axisKey = axisKey;
      this.renderAxis();
    }
  }

  private hiddenByCollapse(node: SpanNode): boolean {
    for (let p = node.parent; p; p = p.parent) if (this.tree?.isCollapsed(p)) return true;
    return false;
  }

  private makeRow(): Row {
    const twisty = h('span', { class: 'wf-twisty codicon' });
    const name = h('span', { class: 'wf-name-text' });
    // Mastra's own span kind (workflow_run, workflow_step, tool_call, agent_run, …).
    const type = h('span', { class: 'wf-type', title: 'Mastra span type', hidden: true });
    const error = icon('error', 'error');
    error.hidden = true;
    const source = h('button', { class: 'wf-source codicon codicon-go-to-file', title: 'Open source (Enter)', 'aria-label': 'Open source', tabindex: -1, hidden: true });
    const flags = h('span', { class: 'wf-flags' }, type, error, source);
    const label = h('span', { class: 'wf-bar-label' });
    const bar = h('div', { class: 'wf-bar' });
    const el = h('div', { class: 'wf-row', role: 'treeitem' },
      h('div', { class: 'wf-name' }, twisty, name, flags), h('div', { class: 'wf-timeline' }, bar, label));
    this.spacer.append(el);
    return { el, twisty, name, type, error, source, bar, label, state: {}, pass: 0 };
  }

  private fill(row: Row, node: SpanNode, index: number): void {
    const tree = this.tree as SpanTree;
    row.el.hidden = false;
    if (row.index !== index) {
      row.index = index;
      row.el.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    }
    if (row.node !== node) {
      row.node = node;
      row.el.id = `span-${node.span.spanId}`;
      row.el.dataset.spanId = node.span.spanId;
      row.el.setAttribute('aria-level', String(node.depth + 1));
      row.name.textContent = node.span.name;
      row.name.title = node.span.name;
      (row.name.parentElement as HTMLElement).style.paddingLeft = `${4 + node.depth * 14}px`;
      const mastraType = node.span.attributes['mastra.span_type'];
      row.type.hidden = typeof mastraType !== 'string';
      if (typeof mastraType === 'string') row.type.textContent = mastraType;
      row.error.hidden = !node.error;
      row.source.hidden = !node.hasSource;
      row.label.textContent = formatDuration(node.end - node.start);
    }
    const hasChildren = node.children.length > 0;
    const collapsed = hasChildren && tree.isCollapsed(node);
    const selected = node === this.selected;
    const match = this.matches.has(node);
    const span = this.window.to - this.window.from;
    const left = ((node.start - this.window.from) / span) * 100;
    const width = Math.max(((node.end - node.start) / span) * 100, 0.15);
    // Scrolling refills rows every frame: write to the DOM only what changed.
    const was = row.state;
    if (was.collapsed === collapsed && was.selected === selected && was.match === match && was.left === left && was.width === width) return;
    row.state = { collapsed, selected, match, left, width };
    row.twisty.className = `wf-twisty codicon ${hasChildren ? (collapsed ? 'codicon-chevron-right' : 'codicon-chevron-down') : ''}`;
    if (hasChildren) row.el.setAttribute('aria-expanded', String(!collapsed));
    else row.el.removeAttribute('aria-expanded');
    row.el.setAttribute('aria-selected', String(selected));
    row.el.className = ['wf-row', selected && 'selected', node.error && 'error', match && 'match', node.critical && 'critical'].filter(Boolean).join(' ');
    row.bar.style.left = `${left}%`;
    row.bar.style.width = `${width}%`;
    // The timeline keeps a margin on its right for the label of a bar that ends at the trace end.
    row.label.style.left = `${Math.min(Math.max(left + width, 0), 100)}%`;
  }

  private renderAxis(): void {
    const span = this.window.to - this.window.from;
    const ticks = 5;
    const labels: HTMLElement[] = [h('span', { class: 'wf-axis-name' }, 'Span')];
    const scale = h('div', { class: 'wf-axis-scale' });
    for (let i = 0; i <= ticks; i++) {
      const tick = h('span', { class: 'wf-tick' }, formatDuration(this.window.from + (span * i) / ticks));
      tick.style.left = `${(i / ticks) * 100}%`;
      scale.append(tick);
    }
    this.axis.replaceChildren(...labels, scale);
  }

  private onClick(e: MouseEvent): void {
    const target = e.target as HTMLElement;
    const rowEl = target.closest<HTMLElement>('.wf-row');
    const node = rowEl?.dataset.spanId ? this.tree?.byId.get(rowEl.dataset.spanId) : undefined;
    if (!node || !this.tree) return;
    if (target.classList.contains('wf-twisty')) {
      this.tree.setCollapsed(node, !this.tree.isCollapsed(node));
      this.render();
      return;
    }
    this.select(node, true);
    if (target.classList.contains('wf-source')) this.events.openSource(node);
  }

  private onKey(e: KeyboardEvent): void {
    const tree = this.tree;
    if (!tree || tree.visible.length === 0) return;
    const at = this.selected ? tree.visible.indexOf(this.selected) : -1;
    const page = Math.max(1, Math.floor(this.height / ROW_HEIGHT) - 1);
    const go = (i: number) => this.select(tree.visible[Math.max(0, Math.min(tree.visible.length - 1, i))]);
    const node = this.selected;
    switch (e.key) {
      case 'ArrowDown': go(at + 1); break;
      case 'ArrowUp': go(at - 1); break;
      case 'PageDown': go(at + page); break;
      case 'PageUp': go(at - page); break;
      case 'Home': go(0); break;
      case 'End': go(tree.visible.length - 1); break;
      case 'ArrowRight':
        if (node && node.children.length > 0 && tree.isCollapsed(node)) { tree.setCollapsed(node, false); this.render(); }
        else if (node?.children[0]) this.select(node.children[0]);
        break;
      case 'ArrowLeft':
        if (node && node.children.length > 0 && !tree.isCollapsed(node)) { tree.setCollapsed(node, true); this.render(); }
        else if (node?.parent) this.select(node.parent);
        break;
      case 'Enter': if (node) this.events.openSource(node); break;
      default: return;
    }
    e.preventDefault();
  }
}
