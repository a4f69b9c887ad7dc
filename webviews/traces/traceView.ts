/**
 * One trace: a toolbar (back, title, search in the trace, next/previous error, zoom, collapse), the
 * waterfall, the selected span's detail and the trace's logs. Clicking a log that names a span
 * selects that span; the span's own logs are marked.
 */
import type { LogRecord, SpanRecord } from '../../shared/telemetry/model';
import { formatDuration, formatTime, h, icon, nanosToMs } from '../common/dom';
import { renderSpanDetail } from './spanDetail';
import { SpanTree, type SpanNode } from './spanTree';
import { Waterfall } from './waterfall';

export interface TraceViewEvents {
  back(): void;
  openSource(traceId: string, spanId: string): void;
}

function toolButton(iconName: string, label: string, onClick: () => void): HTMLElement {
  const b = h('vscode-button', { secondary: true, 'aria-label': label, title: label }, icon(iconName));
  b.addEventListener('click', onClick);
  return b;
}

export class TraceView {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly searchInfo: HTMLElement;
  private readonly search: HTMLElement & { value: string };
  private readonly detail: HTMLElement;
  private readonly logs: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly waterfall: Waterfall;
  private tree: SpanTree | undefined;
  private traceId = '';
  private matches: SpanNode[] = [];
  private logRecords: LogRecord[] = [];

  constructor(private readonly events: TraceViewEvents) {
    this.waterfall = new Waterfall({
      select: (node) => this.onSelect(node),
      openSource: (node) => events.openSource(this.traceId, node.span.spanId),
    });
    this.title = h('h1', { class: 'trace-title' });
    this.search = h('vscode-textfield', { placeholder: 'Search spans (name or attribute)', 'aria-label': 'Search spans' }) as HTMLElement & { value: string };
    this.search.addEventListener('input', () => this.runSearch());
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.nextMatch(e.shiftKey);
    });
    this.searchInfo = h('span', { class: 'muted', role: 'status' });
    this.notice = h('div', { class: 'notice', role: 'alert', hidden: true });
    this.detail = h('aside', { class: 'span-detail', 'aria-label': 'Span detail' });
    this.logs = h('div', { class: 'trace-logs' });
    const toolbar = h('div', { class: 'toolbar' },
      toolButton('arrow-left', 'Back to the trace list', () => events.back()),
      this.title,
      h('span', { class: 'spacer' }),
      this.search, this.searchInfo,
      toolButton('arrow-down', 'Next error (n)', () => this.nextError(false)),
      toolButton('arrow-up', 'Previous error (N)', () => this.nextError(true)),
      toolButton('zoom-in', 'Zoom in', () => this.waterfall.zoom(0.5)),
      toolButton('zoom-out', 'Zoom out', () => this.waterfall.zoom(2)),
      toolButton('screen-normal', 'Reset zoom', () => this.waterfall.zoom('reset')),
      toolButton('collapse-all', 'Collapse all', () => this.collapse(1)),
      toolButton('expand-all', 'Expand all', () => this.collapse(Infinity)));
    this.element = h('section', { class: 'trace-view', hidden: true },
      toolbar, this.notice,
      h('div', { class: 'trace-body' }, h('div', { class: 'trace-main' }, this.waterfall.element, this.logs), this.detail));
    this.element.addEventListener('keydown', (e) => this.onKey(e));
  }

  show(traceId: string, spans: SpanRecord[], logs: LogRecord[]): SpanTree {
    this.traceId = traceId;
    this.tree = new SpanTree(spans);
    this.logRecords = logs;
    const root = this.tree.roots[0];
    this.title.replaceChildren(
      root?.error ? icon('error', 'error') : icon('pulse'),
      ` ${root?.span.name ?? traceId} `,
      h('span', { class: 'muted' }, `${formatDuration(this.tree.durationMs)} · ${spans.length} spans · ${this.tree.errorCount} errors · ${formatTime(this.tree.startMs)}`));
    this.notice.hidden = true;
    this.waterfall.show(this.tree);
    this.renderLogs();
    if (root) this.waterfall.select(root);
    else renderSpanDetail(this.detail, undefined, 0, { openSource: () => undefined });
    this.search.value = '';
    this.runSearch();
    return this.tree;
  }

  /** Focuses the waterfall, so keys work right after the trace opens. */
  focus(): void {
    (this.waterfall.element.querySelector('.wf-viewport') as HTMLElement | null)?.focus();
  }

  showNotice(message: string, ok: boolean): void {
    this.notice.textContent = message;
    this.notice.classList.toggle('ok', ok);
    this.notice.hidden = false;
  }

  private onSelect(node: SpanNode): void {
    renderSpanDetail(this.detail, node, this.tree?.startMs ?? 0, { openSource: (n) => this.events.openSource(this.traceId, n.span.spanId) });
    for (const el of this.logs.querySelectorAll<HTMLElement>('li[data-span-id]')) el.classList.toggle('of-selected', el.dataset.spanId === node.span.spanId);
  }

  private runSearch(): void {
    if (!this.tree) return;
    const hits = this.tree.search(this.search.value);
    this.matches = hits.size === 0 ? [] : this.tree.order.filter((n) => hits.has(n));
    this.waterfall.setMatches(hits);
    this.searchInfo.textContent = this.search.value.trim() === '' ? '' : `${this.matches.length} match${this.matches.length === 1 ? '' : 'es'}`;
  }

  private nextMatch(backwards: boolean): void {
    if (!this.tree || this.matches.length === 0) return;
    const set = new Set(this.matches);
    const node = this.tree.next(this.waterfall.selection, (n) => set.has(n), backwards);
    if (node) this.waterfall.select(node);
  }

  private nextError(backwards: boolean): void {
    const node = this.tree?.next(this.waterfall.selection, (n) => n.error, backwards);
    if (node) this.waterfall.select(node, true);
    else this.showNotice('This trace has no errors.', true);
  }

  private collapse(depth: number): void {
    this.tree?.collapseFrom(depth);
    this.waterfall.render();
  }

  private onKey(e: KeyboardEvent): void {
    if ((e.target as HTMLElement).closest('vscode-textfield')) return;
    if (e.key === 'n' || e.key === 'N') this.nextError(e.key === 'N');
    else if (e.key === '/') this.search.focus();
    else if (e.key === 'Escape' || e.key === 'Backspace') this.events.back();
    else return;
    e.preventDefault();
  }

  private renderLogs(): void {
    const start = this.tree?.startMs ?? 0;
    const items = this.logRecords.map((l) => {
      const li = h('li', { class: `log level-${l.level}`, 'data-span-id': l.spanId, tabindex: l.spanId ? 0 : undefined },
        h('span', { class: 'muted' }, `+${formatDuration(nanosToMs(l.timeUnixNano) - start)}`), ` ${l.level.toUpperCase()} `, l.message);
      const node = l.spanId ? this.tree?.byId.get(l.spanId) : undefined;
      if (node) {
        const go = () => this.waterfall.select(node, true);
        li.addEventListener('click', go);
        li.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(); });
      }
      return li;
    });
    this.logs.replaceChildren(h('details', { class: 'section', open: this.logRecords.length > 0 },
      h('summary', {}, `Logs (${this.logRecords.length})`),
      items.length ? h('ul', { class: 'log-list' }, ...items) : h('p', { class: 'muted' }, 'No logs carry this trace id.')));
  }
}
