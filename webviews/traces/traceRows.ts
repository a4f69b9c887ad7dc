/**
 * The rows of the trace list, virtualised: only the rows on screen (plus a margin) are in the DOM,
 * under a top padding that stands for the rows above, in a body as tall as all of them. A page of
 * 1,000 traces costs a screenful of rows whether it is shown, replaced by a live refresh or
 * scrolled. Keyboard: one row is in the tab order (roving tabindex); arrows, Page Up/Down and
 * Home/End move it, scrolling it into view; Enter or Space opens it. Screen readers get the full
 * count from `aria-rowcount` and each row's place from `aria-rowindex`.
 */
import type { TraceSummary } from '../../shared/telemetry/query';
import { formatDuration, formatTime, h, icon, nanosToMs } from '../common/dom';

/** Row height in px (traces.css). */
export const ROW_PX = 24;
/** Rows kept beyond each edge of the screen, so a short scroll shows rows already there. */
const MARGIN_ROWS = 10;
/** The scroller's height before it is laid out (a hidden panel), so the first page is not empty. */
const FALLBACK_HEIGHT_PX = 1200;

function prototypeRow(failed: boolean): HTMLElement {
  return h('div', { role: 'row', tabindex: -1, class: failed ? 'trace-row error' : 'trace-row' },
    h('span', { role: 'cell', class: 'name' }, failed ? icon('error') : icon('pass'), document.createTextNode('')),
    h('span', { role: 'cell' }),
    ...[0, 1, 2, 3].map(() => h('span', { role: 'cell', class: 'num' })));
}

const OK_ROW = prototypeRow(false);
const ERROR_ROW = prototypeRow(true);

/**
 * A row for one trace: a clone of a prototype row with its texts filled in. Cloning is several
 * times cheaper than building the seven elements and their attributes one call at a time.
 */
function traceRow(t: TraceSummary, index: number): HTMLElement {
  const failed = t.errorCount > 0;
  const row = (failed ? ERROR_ROW : OK_ROW).cloneNode(true) as HTMLElement;
  row.dataset.traceId = t.traceId;
  row.dataset.index = String(index);
  // Row 1 is the header.
  row.setAttribute('aria-rowindex', String(index + 2));
  row.setAttribute('aria-label', `${t.rootName}, ${formatDuration(t.durationMs)}${failed ? `, ${t.errorCount} errors` : ''}`);
  const [name, service, start, duration, spans, errors] = row.children as unknown as HTMLElement[];
  name.title = t.rootName;
  name.lastChild!.textContent = ` ${t.rootName}`;
  service.textContent = t.services.join(', ');
  start.textContent = formatTime(nanosToMs(t.startTimeUnixNano));
  duration.textContent = formatDuration(t.durationMs);
  spans.textContent = String(t.spanCount);
  if (failed) errors.textContent = String(t.errorCount);
  return row;
}

export class TraceRows {
  readonly body: HTMLElement;
  private items: TraceSummary[] = [];
  /** Rendered rows by item index; they cover [from, to). */
  private rows = new Map<number, HTMLElement>();
  private from = 0;
  private to = 0;
  /** The row in the tab order (roving tabindex). */
  private active = 0;
  private frame = 0;

  /** `scroller` scrolls the body; `table` gets the row count; `open` is called with a trace id. */
  constructor(private readonly scroller: HTMLElement, private readonly table: HTMLElement, private readonly open: (traceId: string) => void) {
    this.body = h('div', { role: 'rowgroup', class: 'trace-rows' });
    this.body.addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('[data-trace-id]');
      if (row?.dataset.traceId) this.open(row.dataset.traceId);
    });
    this.body.addEventListener('keydown', (e) => this.onKey(e));
    this.body.addEventListener('focusin', (e) => {
      const index = Number((e.target as HTMLElement).dataset?.index);
      if (Number.isInteger(index)) this.setActive(index);
    });
    scroller.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(scroller);
  }

  /**
   * Shows `items` from the top; a live refresh (`keepPlace`) keeps the scroll position, and the row
   * that had focus keeps it if its trace is still listed, so it never takes the user's place away.
   */
  show(items: TraceSummary[], keepPlace: boolean): void {
    if (!keepPlace) {
      this.scroller.scrollTop = 0;
      this.active = 0;
    }
    const focusedId = this.body.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.traceId : undefined;
    this.items = items;
    this.table.setAttribute('aria-rowcount', String(items.length + 1));
    this.body.style.height = `${items.length * ROW_PX}px`;
    // Every rendered row shows an item of the old page: start again.
    this.body.replaceChildren();
    this.rows.clear();
    this.from = this.to = 0;
    const kept = focusedId === undefined ? -1 : items.findIndex((t) => t.traceId === focusedId);
    this.active = kept >= 0 ? kept : Math.min(this.active, Math.max(items.length - 1, 0));
    this.render();
    if (kept >= 0) this.rows.get(kept)?.focus({ preventScroll: true });
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Puts exactly the rows of the visible range (plus margins) in the body, touching only the edges that moved. */
  private render(): void {
    const height = this.scroller.clientHeight || FALLBACK_HEIGHT_PX;
    const top = Math.max(0, this.scroller.scrollTop - this.body.offsetTop);
    const from = Math.max(0, Math.floor(top / ROW_PX) - MARGIN_ROWS);
    const to = Math.min(this.items.length, Math.ceil((top + height) / ROW_PX) + MARGIN_ROWS);
    if (from === this.from && to === this.to) return;
    if (from >= this.to || to <= this.from) {
      for (const row of this.rows.values()) row.remove();
      this.rows.clear();
      this.body.append(...this.make(from, to));
    } else {
      this.drop(this.from, from);
      this.drop(to, this.to);
      this.body.prepend(...this.make(from, this.from));
      this.body.append(...this.make(this.to, to));
    }
    this.from = from;
    this.to = to;
    this.body.style.paddingTop = `${from * ROW_PX}px`;
    this.markTabStop();
  }

  private make(from: number, to: number): HTMLElement[] {
    const made: HTMLElement[] = [];
    for (let i = from; i < to; i++) {
      const row = traceRow(this.items[i]!, i);
      this.rows.set(i, row);
      made.push(row);
    }
    return made;
  }

  private drop(from: number, to: number): void {
    for (let i = from; i < to; i++) {
      this.rows.get(i)?.remove();
      this.rows.delete(i);
    }
  }

  /** The active row is the tab stop; when it is not rendered, the first rendered row is. */
  private markTabStop(): void {
    const stop = this.rows.get(this.active) ?? this.rows.get(this.from);
    for (const row of this.body.querySelectorAll<HTMLElement>('[tabindex="0"]')) if (row !== stop) row.tabIndex = -1;
    if (stop) stop.tabIndex = 0;
  }

  private setActive(index: number): void {
    this.active = index;
    this.markTabStop();
  }

  /** Moves focus to item `index`, scrolling it into view and rendering it first. */
  private focusIndex(index: number): void {
    const i = Math.min(Math.max(index, 0), this.items.length - 1);
    if (i < 0) return;
    const rowTop = this.body.offsetTop + i * ROW_PX;
    // The sticky header covers the body's first pixels of the scroller.
    const visibleTop = this.scroller.scrollTop + this.body.offsetTop;
    if (rowTop < visibleTop) this.scroller.scrollTop = rowTop - this.body.offsetTop;
    else if (rowTop + ROW_PX > this.scroller.scrollTop + this.scroller.clientHeight) this.scroller.scrollTop = rowTop + ROW_PX - this.scroller.clientHeight;
    this.render();
    this.setActive(i);
    this.rows.get(i)?.focus({ preventScroll: true });
  }

  private onKey(e: KeyboardEvent): void {
    const row = (e.target as HTMLElement).closest<HTMLElement>('[data-trace-id]');
    if (!row) return;
    const index = Number(row.dataset.index);
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / ROW_PX) - 1);
    const moves: Record<string, number> = { ArrowDown: index + 1, ArrowUp: index - 1, PageDown: index + page, PageUp: index - page, Home: 0, End: this.items.length - 1 };
    if (e.key === 'Enter' || e.key === ' ') this.open(row.dataset.traceId as string);
    else if (e.key in moves) this.focusIndex(moves[e.key]!);
    else return;
    e.preventDefault();
  }
}
