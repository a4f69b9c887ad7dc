/**
 * The trace list: a filter bar (server, time range, name, status, minimum duration, attribute, sort,
 * live) and a table of traces (root name, service, start, duration, spans, errors) with previous/next
 * paging. The rows (`TraceRows`) are virtualised and keyboard accessible.
 */
import type { TraceSummary } from '../../shared/telemetry/query';
import type { TimeWindow } from '../../shared/webview/range';
import { filterWindow, type ServerOption, type TraceFilter } from '../../shared/webview/traces';
import { h, icon } from '../common/dom';
import { RangePicker } from '../common/rangePicker';
import { TraceRows } from './traceRows';

export interface ListEvents {
  query(filter: TraceFilter, cursor?: string): void;
  open(traceId: string): void;
  setLive(live: boolean): void;
  /** The user picked another time range (the metrics panel follows). */
  rangeChanged(window: TimeWindow): void;
}

type Field = HTMLElement & { value: string };

function select(label: string, options: [string, string][], value: string): Field {
  const el = h('vscode-single-select', { 'aria-label': label, title: label }) as Field;
  for (const [v, text] of options) el.append(h('vscode-option', { value: v, selected: v === value }, text));
  el.value = value;
  return el;
}

function textField(label: string, value: string, type = 'text'): Field {
  const el = h('vscode-textfield', { placeholder: label, 'aria-label': label, title: label, type }) as Field;
  el.value = value;
  return el;
}

export class TraceList {
  readonly element: HTMLElement;
  private readonly rows: TraceRows;
  private readonly status: HTMLElement;
  private readonly serverSelect: HTMLElement;
  private readonly filters: HTMLElement;
  private servers: ServerOption[] = [];
  private picker!: RangePicker;
  private readonly prev: HTMLElement;
  private readonly next: HTMLElement;
  private readonly liveButton: HTMLElement;
  /** Cursors of the pages before this one, for "previous". */
  private cursors: (string | undefined)[] = [];
  private cursor: string | undefined;
  private nextCursor: string | undefined;
  private debounce: ReturnType<typeof setTimeout> | undefined;

  constructor(private filter: TraceFilter, private live: boolean, private readonly events: ListEvents) {
    this.serverSelect = h('span', { class: 'server-select' });
    this.filters = h('div', { class: 'filters', role: 'search' });
    this.filters.append(...this.filterControls());
    this.status = h('span', { class: 'muted list-status', role: 'status' });
    this.prev = h('vscode-button', { secondary: true, 'aria-label': 'Previous page', title: 'Previous page' }, icon('chevron-left'));
    this.next = h('vscode-button', { secondary: true, 'aria-label': 'Next page', title: 'Next page' }, icon('chevron-right'));
    this.liveButton = h('vscode-button', { secondary: true });
    this.prev.addEventListener('click', () => this.page(-1));
    this.next.addEventListener('click', () => this.page(1));
    this.liveButton.addEventListener('click', () => this.toggleLive());
    this.renderLive();
    // Rows are blocks in a grid rather than a <table>, and only those on screen are rendered.
    const wrap = h('div', { class: 'table-wrap' });
    const table = h('div', { class: 'trace-table', role: 'table', 'aria-label': 'Traces' });
    this.rows = new TraceRows(wrap, table, (traceId) => this.events.open(traceId));
    table.append(
      h('div', { role: 'rowgroup' }, h('div', { role: 'row', class: 'trace-row head', 'aria-rowindex': 1 }, ...['Root span', 'Service', 'Start', 'Duration', 'Spans', 'Errors'].map((c) => h('span', { role: 'columnheader' }, c)))),
      this.rows.body);
    wrap.append(table);
    this.element = h('section', { class: 'trace-list' },
      this.filters,
      h('div', { class: 'list-bar' }, this.liveButton, this.status, h('span', { class: 'spacer' }), this.prev, this.next),
      wrap);
  }

  get currentFilter(): TraceFilter {
    return this.filter;
  }

  setServers(servers: ServerOption[]): void {
    this.servers = servers;
    const el = select('Server', [['', 'All servers'], ...servers.map((s): [string, string] => [s.id, s.label])], this.filter.serverId ?? '');
    el.addEventListener('change', () => this.update({ serverId: el.value || undefined }));
    this.serverSelect.replaceChildren(el);
  }

  /** Shows `filter` in the controls and queries its first page (a filter chosen elsewhere). */
  apply(filter: TraceFilter): void {
    this.filter = filter;
    this.filters.replaceChildren(...this.filterControls());
    this.setServers(this.servers);
    this.query();
  }

  private filterControls(): HTMLElement[] {
    const f = this.filter;
    this.picker = new RangePicker(filterWindow(f), (window) => {
      this.update({ range: window.range, fromMs: window.fromMs, toMs: window.toMs });
      this.events.rangeChanged(window);
    });
    const name = textField('Root span name contains', f.nameContains ?? '');
    name.addEventListener('input', () => this.update({ nameContains: name.value || undefined }, 250));
    const service = textField('Service', f.service ?? '');
    service.addEventListener('input', () => this.update({ service: service.value || undefined }, 250));
    const status = select('Status', [['', 'Any status'], ['error', 'With errors'], ['ok', 'Without errors']], f.status ?? '');
    status.addEventListener('change', () => this.update({ status: (status.value || undefined) as TraceFilter['status'] }));
    const minDur = textField('Min duration (ms)', f.minDurationMs === undefined ? '' : String(f.minDurationMs), 'number');
    minDur.addEventListener('input', () => {
      const v = Number(minDur.value);
      this.update({ minDurationMs: minDur.value !== '' && Number.isFinite(v) ? v : undefined }, 250);
    });
    const attr = textField('Attribute key=value', f.attributeKey ? `${f.attributeKey}=${f.attributeValue ?? ''}` : '');
    attr.addEventListener('input', () => {
      const at = attr.value.indexOf('=');
      this.update(at > 0 ? { attributeKey: attr.value.slice(0, at).trim(), attributeValue: attr.value.slice(at + 1).trim() } : { attributeKey: undefined, attributeValue: undefined }, 250);
    });
    const sort = select('Sort', [['start:desc', 'Newest first'], ['start:asc', 'Oldest first'], ['duration:desc', 'Slowest first'], ['duration:asc', 'Fastest first']], `${f.sort}:${f.order}`);
    sort.addEventListener('change', () => {
      const [by, order] = sort.value.split(':');
      this.update({ sort: by as TraceFilter['sort'], order: order as TraceFilter['order'] });
    });
    return [this.serverSelect, ...this.picker.elements, name, service, status, minDur, attr, sort];
  }

  /** Shows a range picked in the other panel and queries it (without reporting it back). */
  setRange(window: TimeWindow): void {
    this.picker.set(window);
    this.update({ range: window.range, fromMs: window.fromMs, toMs: window.toMs });
  }

  /** Applies a filter change and queries the first page (after `delayMs`, for typing). */
  update(change: Partial<TraceFilter>, delayMs = 0): void {
    this.filter = { ...this.filter, ...change };
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.query(), delayMs);
  }

  query(): void {
    this.cursors = [];
    this.cursor = undefined;
    this.status.textContent = 'Loading…';
    this.events.query(this.filter);
  }

  private page(step: 1 | -1): void {
    if (step === 1 && this.nextCursor) {
      this.cursors.push(this.cursor);
      this.events.query(this.filter, this.nextCursor);
    } else if (step === -1 && this.cursors.length > 0) {
      this.events.query(this.filter, this.cursors.pop());
    }
  }

  private toggleLive(): void {
    this.live = !this.live;
    this.renderLive();
    this.events.setLive(this.live);
  }

  get isLive(): boolean {
    return this.live;
  }

  private renderLive(): void {
    this.liveButton.replaceChildren(icon(this.live ? 'debug-pause' : 'play'), this.live ? ' Pause live' : ' Resume live');
    this.liveButton.setAttribute('aria-pressed', String(this.live));
  }

  /** Shows a page. A live refresh only replaces the first page, never one the user paged to. */
  showPage(items: TraceSummary[], cursor: string | undefined, nextCursor: string | undefined, live: boolean): void {
    if (live && (this.cursor !== undefined || !this.live)) return;
    this.cursor = cursor;
    this.nextCursor = nextCursor;
    this.rows.show(items, live);
    const pageNo = this.cursors.length + 1;
    this.status.textContent = items.length === 0 ? 'No traces match these filters yet.' : `Page ${pageNo}: ${items.length} traces`;
    this.prev.toggleAttribute('disabled', this.cursors.length === 0);
    this.next.toggleAttribute('disabled', !nextCursor);
  }

  showError(message: string): void {
    this.status.textContent = message;
  }
}
