/**
 * uPlot charts themed from VS Code's CSS variables (a canvas cannot read var(), so colours are read
 * once per chart from the computed style). Each chart is a titled section that records how many
 * points it draws in `data-points` and its line labels in `data-lines` (the e2e test reads them).
 */
import uPlot from 'uplot';
import { h, themeColor } from '../common/dom';

export interface LineSpec {
  label: string;
  /** A VS Code theme colour variable, e.g. `--vscode-charts-blue`. */
  color: string;
  fallback: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  lines: LineSpec[];
  format(v: number): string;
  /** Called with the x value (Unix s) of a clicked point. */
  onPick?(xSeconds: number): void;
}

export class Chart {
  readonly element: HTMLElement;
  private readonly holder: HTMLElement;
  private readonly summary: HTMLElement;
  private plot: uPlot | undefined;

  constructor(private spec: ChartSpec) {
    this.holder = h('div', { class: 'chart-canvas' });
    this.summary = h('p', { class: 'muted chart-summary', 'aria-live': 'polite' });
    this.element = h('section', { class: 'chart', 'data-chart': spec.id, 'aria-label': spec.title },
      h('h2', {}, spec.title), this.holder, this.summary);
  }

  /** Replaces the data: `xs` in Unix seconds, one array per line. */
  setData(xs: number[], ys: (number | null)[][]): void {
    const points = xs.length;
    this.element.dataset.points = String(points);
    this.element.dataset.lines = this.spec.lines.map((l) => l.label).join('\n');
    const last = ys.map((line, i) => `${this.spec.lines[i].label} ${lastValue(line, this.spec.format)}`).join(' · ');
    this.summary.textContent = points === 0 ? 'No data in this range yet.' : `${points} points; latest: ${last}`;
    const data: uPlot.AlignedData = [xs, ...ys];
    if (this.plot) {
      this.plot.setData(data);
      return;
    }
    this.plot = new uPlot(this.options(), data, this.holder);
    if (this.spec.onPick) this.plot.over.addEventListener('click', () => this.pick());
  }

  /** Changes the lines (an app metric split by an attribute has one per value); redrawn on the next data. */
  setLines(lines: LineSpec[], title = this.spec.title): void {
    const same = lines.length === this.spec.lines.length && lines.every((l, i) => l.label === this.spec.lines[i].label && l.color === this.spec.lines[i].color);
    if (title !== this.spec.title) {
      (this.element.querySelector('h2') as HTMLElement).textContent = title;
      this.element.setAttribute('aria-label', title);
    }
    this.spec = { ...this.spec, lines, title };
    if (same || !this.plot) return;
    this.plot.destroy();
    this.plot = undefined;
  }

  /** Redraws with the current theme's colours (after the user switches themes). */
  retheme(): void {
    if (!this.plot) return;
    const data = this.plot.data;
    this.plot.destroy();
    this.plot = new uPlot(this.options(), data, this.holder);
    if (this.spec.onPick) this.plot.over.addEventListener('click', () => this.pick());
  }

  resize(width: number): void {
    this.plot?.setSize({ width: Math.max(200, width), height: 170 });
  }

  private pick(): void {
    const idx = this.plot?.cursor.idx;
    const x = idx === null || idx === undefined ? undefined : this.plot?.data[0][idx];
    if (x !== undefined && x !== null) this.spec.onPick?.(x);
  }

  private options(): uPlot.Options {
    const fg = themeColor('--vscode-descriptionForeground', '#888');
    // Theme border colours are solid and strong in light themes; a faint text colour suits a grid.
    const grid = withAlpha(fg, 0.18);
    const axis = (values?: (u: uPlot, splits: number[]) => string[]): uPlot.Axis => ({
      stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, values,
    });
    return {
      width: Math.max(200, this.holder.clientWidth || 600),
      height: 170,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [axis(), { ...axis((_u, splits) => splits.map((v) => this.spec.format(v))), size: 70 }],
      series: [
        {},
        ...this.spec.lines.map((l) => ({
          label: l.label,
          stroke: themeColor(l.color, l.fallback),
          width: 1.5,
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : this.spec.format(v)),
        })),
      ],
    };
  }
}

function lastValue(line: (number | null)[], format: (v: number) => string): string {
  for (let i = line.length - 1; i >= 0; i--) {
    const v = line[i];
    if (v !== null) return format(v);
  }
  return '–';
}

/** A CSS colour with the given opacity, via the browser's own parsing (canvases need plain rgba). */
function withAlpha(color: string, alpha: number): string {
  const probe = h('span', {});
  probe.style.color = color;
  document.body.append(probe);
  const rgb = getComputedStyle(probe).color.match(/[\d.]+/g)?.map(Number) ?? [128, 128, 128];
  probe.remove();
  return `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha})`;
}
