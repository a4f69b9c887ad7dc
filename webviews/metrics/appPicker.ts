/**
 * The app metric controls of the metrics panel: a metric picked by name from those with points in
 * the range, its aggregation, and an attribute to split it by. The lists are rebuilt only when the
 * host's list changes, so a refresh every few seconds never steals focus from an open select.
 */
import type { MetricInfo } from '../../shared/telemetry/query';
import { APP_AGGREGATIONS, type AppAggregation, type MetricsQuery } from '../../shared/webview/metrics';
import { h } from '../common/dom';

type Field = HTMLElement & { value: string };
type AppChoice = Pick<MetricsQuery, 'appMetric' | 'appAggregation' | 'groupBy'>;

function select(label: string, options: [string, string][], value: string): Field {
  const el = h('vscode-single-select', { 'aria-label': label, title: label }) as Field;
  for (const [v, text] of options) el.append(h('vscode-option', { value: v, selected: v === value }, text));
  el.value = value;
  return el;
}

export class AppMetricPicker {
  readonly element: HTMLElement;
  private metrics: MetricInfo[] = [];
  private shown = '';

  constructor(private choice: AppChoice, private readonly onPick: (choice: AppChoice) => void) {
    this.element = h('span', { class: 'app-picker' });
    this.render();
  }

  /** The app metrics of the current range, from the host. */
  setMetrics(metrics: MetricInfo[]): void {
    const key = JSON.stringify(metrics);
    if (key === this.shown) return;
    this.shown = key;
    this.metrics = metrics;
    this.render();
  }

  private render(): void {
    const names = this.metrics.map((m) => m.name);
    // A metric picked before (saved state) stays pickable while it has no points in this range.
    if (this.choice.appMetric && !names.includes(this.choice.appMetric)) names.push(this.choice.appMetric);
    const empty = names.length === 0 ? 'No app metrics in this range' : 'No app metric';
    const name = select('App metric', [['', empty], ...names.map((n): [string, string] => [n, n])], this.choice.appMetric ?? '');
    name.addEventListener('change', () => this.pick({ appMetric: name.value || undefined, groupBy: undefined }));
    const agg = select('Aggregation', APP_AGGREGATIONS.map((a): [string, string] => [a, a]), this.choice.appAggregation);
    agg.addEventListener('change', () => this.pick({ appAggregation: agg.value as AppAggregation }));
    const keys = this.metrics.find((m) => m.name === this.choice.appMetric)?.attributeKeys ?? [];
    if (this.choice.groupBy && !keys.includes(this.choice.groupBy)) keys.push(this.choice.groupBy);
    const group = select('Group by attribute', [['', 'No grouping'], ...keys.map((k): [string, string] => [k, `By ${k}`])], this.choice.groupBy ?? '');
    group.addEventListener('change', () => this.pick({ groupBy: group.value || undefined }));
    agg.hidden = !this.choice.appMetric;
    group.hidden = !this.choice.appMetric || keys.length === 0;
    // Rebuilt selects must not drop the keyboard user's place.
    const active = document.activeElement;
    const focused = active && this.element.contains(active) ? active.getAttribute('aria-label') : null;
    this.element.replaceChildren(name, agg, group);
    if (focused) [name, agg, group].find((el) => el.getAttribute('aria-label') === focused && !el.hidden)?.focus();
  }

  private pick(change: Partial<AppChoice>): void {
    this.choice = { ...this.choice, ...change };
    this.render();
    this.onPick(this.choice);
  }
}
