/**
 * Figures of the fault and hostile-input suite. Each scenario records what it measured (lines written
 * vs. stored, spans sent vs. stored, restarts, RSS, counts rejected); at the end of the run they are
 * printed as one table and written to test-results/faults/figures.json, which docs/reliability.md and
 * docs/security.md quote. Required by .mocharc.json, so mocha registers its root hook once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Figure {
  /** Scenario, as named in docs/reliability.md or docs/security.md. */
  scenario: string;
  /** What was measured, e.g. "lines written / stored". */
  measure: string;
  value: string | number;
}

const OUT_DIR = path.resolve(__dirname, '../../test-results/faults');
const recorded: Figure[] = [];

/** Records a figure and prints it under the running test, so a CI log shows it even if the run dies later. */
export function figure(scenario: string, measure: string, value: string | number): void {
  recorded.push({ scenario, measure, value });
  console.log(`      figure: ${scenario} | ${measure} | ${value}`);
}

export function formatFigures(figures: readonly Figure[]): string {
  const rows = figures.map((f) => `| ${f.scenario} | ${f.measure} | ${f.value} |`);
  return ['| scenario | measured | figure |', '|---|---|---|', ...rows].join('\n');
}

export const mochaHooks = {
  afterAll(): void {
    if (!recorded.length) return;
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const run = { at: new Date().toISOString(), figures: recorded };
    fs.writeFileSync(path.join(OUT_DIR, 'figures.json'), JSON.stringify(run, null, 2));
    console.log(`\nfault suite figures (${recorded.length}), also in test-results/faults/figures.json:\n${formatFigures(recorded)}`);
  },
};
