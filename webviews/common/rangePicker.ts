/**
 * The time range control both panels show: a preset select and, for a custom range, two
 * date-time fields. `onPick` runs only for the user's own choices; `set` (a range picked in the
 * other panel, or restored) shows a range without reporting it back.
 */
import { RANGE_LABELS, TIME_RANGES, type TimeRangeKey, type TimeWindow } from '../../shared/webview/range';
import { h } from './dom';

type Field = HTMLElement & { value: string };

/** Unix ms → the local `YYYY-MM-DDTHH:mm` a datetime-local input shows. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export class RangePicker {
  readonly elements: HTMLElement[];
  private readonly select: Field;
  private readonly from: Field;
  private readonly to: Field;
  private readonly custom: HTMLElement;

  constructor(window: TimeWindow, private readonly onPick: (window: TimeWindow) => void) {
    this.select = h('vscode-single-select', { 'aria-label': 'Time range', title: 'Time range' }) as Field;
    for (const r of TIME_RANGES) this.select.append(h('vscode-option', { value: r, selected: r === window.range }, RANGE_LABELS[r]));
    this.from = h('vscode-textfield', { placeholder: 'From', 'aria-label': 'From', title: 'From', type: 'datetime-local' }) as Field;
    this.to = h('vscode-textfield', { placeholder: 'To', 'aria-label': 'To', title: 'To', type: 'datetime-local' }) as Field;
    this.custom = h('span', { class: 'custom-range' }, this.from, this.to);
    this.show(window);
    this.from.addEventListener('change', () => this.pickCustom());
    this.to.addEventListener('change', () => this.pickCustom());
    this.select.addEventListener('change', () => {
      const range = this.select.value as TimeRangeKey;
      this.custom.hidden = range !== 'custom';
      if (range === 'custom') this.pickCustom();
      else this.onPick({ range });
    });
    this.elements = [this.select, this.custom];
  }

  /** Shows `window` without reporting it as the user's choice. */
  set(window: TimeWindow): void {
    this.show(window);
  }

  private show(window: TimeWindow): void {
    const now = Date.now();
    this.select.value = window.range;
    this.from.value = localInput(window.fromMs ?? now - 3_600_000);
    this.to.value = localInput(window.toMs ?? now);
    this.custom.hidden = window.range !== 'custom';
  }

  private pickCustom(): void {
    const fromMs = Date.parse(this.from.value);
    const toMs = Date.parse(this.to.value);
    if (Number.isFinite(fromMs) && Number.isFinite(toMs) && fromMs < toMs) this.onPick({ range: 'custom', fromMs, toMs });
  }
}
