/**
 * Webview rendering in headless Chromium: the traces panel's own bundle, built here with esbuild,
 * loaded in a page that stands in for VS Code (a stub `acquireVsCodeApi` and dark theme variables).
 * Prints the trace list render of 1,000 rows, the first render of a 10,000-span waterfall, and the
 * p95 frame time while scrolling it (frame rate unlimited, so a frame's cost shows rather than vsync).
 *   npm run bench:panels [-- --screenshot <dir>]
 * Targets (issue 8): list < 100 ms, first render < 300 ms, scroll p95 < 16 ms.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium, type CDPSession, type Page } from 'playwright-core';
import type { SpanRecord } from '../shared/telemetry/model';
import type { TraceSummary } from '../shared/telemetry/query';

const REPO = path.resolve(__dirname, '..');
const shotsAt = process.argv.indexOf('--screenshot');
const SHOTS = shotsAt > 0 ? path.resolve(process.argv[shotsAt + 1] ?? 'test-results') : undefined;

/** A dark theme's worth of the variables the panel's CSS reads. */
const THEME = `body{--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-foreground:#ccc;--vscode-editor-background:#1e1e1e;
--vscode-panel-border:#444;--vscode-descriptionForeground:#999;--vscode-charts-blue:#3794ff;--vscode-charts-red:#f14c4c;--vscode-charts-orange:#d18616;
--vscode-list-activeSelectionBackground:#04395e;--vscode-list-hoverBackground:#2a2d2e;--vscode-errorForeground:#f48771;--vscode-textLink-foreground:#3794ff;
--vscode-editor-findMatchHighlightBackground:#623315;--vscode-focusBorder:#007fd4;--vscode-textCodeBlock-background:#0a0a0a}`;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0').slice(-width);
}

/** 10,000 spans: a root, 100 children, each with subtrees three levels deep; every 97th span fails. */
export function syntheticTrace(count: number): { traceId: string; spans: SpanRecord[] } {
  const traceId = hex(0xabcdef, 32);
  const base = BigInt(Date.now()) * 1_000_000n;
  const spans: SpanRecord[] = [];
  for (let i = 0; i < count; i++) {
    const parent = i === 0 ? undefined : i <= 100 ? 0 : Math.floor((i - 1) / 3);
    const startUs = BigInt(i * 37);
    spans.push({
      t: 'span', traceId, spanId: hex(i + 1, 16), parentSpanId: parent === undefined ? undefined : hex(parent + 1, 16),
      name: i === 0 ? 'GET /api/report' : `step ${i} ${i % 3 === 0 ? 'db.query' : 'compute'}`,
      kind: i === 0 ? 2 : 1, status: i % 97 === 5 ? 2 : 0,
      startTimeUnixNano: String(base + startUs * 1000n),
      endTimeUnixNano: String(base + (startUs + BigInt(i === 0 ? count * 40 : 200 + (i % 50) * 10)) * 1000n),
      attributes: { 'code.file.path': '/w/src/report.ts', 'code.line.number': (i % 300) + 1, 'step.index': i },
      service: 'bench',
    });
  }
  return { traceId, spans };
}

function syntheticList(count: number): TraceSummary[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => ({
    traceId: hex(i + 1, 32), rootName: `GET /api/item/${i}`, startTimeUnixNano: `${now - i * 1000}000000`,
    endTimeUnixNano: `${now - i * 1000 + 20}000000`, durationMs: 20 + (i % 400), spanCount: 3 + (i % 40), errorCount: i % 13 === 0 ? 1 : 0,
    services: ['bench'],
  }));
}

async function buildPage(dir: string): Promise<string> {
  await esbuild.build({
    entryPoints: [path.join(REPO, 'webviews/traces/main.ts')], bundle: true, outdir: dir, platform: 'browser', target: 'chrome120',
    format: 'iife', minify: true, loader: { '.ttf': 'file' }, assetNames: '[name]', logLevel: 'warning',
  });
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><style>${THEME}</style><link rel="stylesheet" href="main.css"></head>
<body><div id="root"></div><script src="main.js"></script></body></html>`;
  fs.writeFileSync(path.join(dir, 'index.html'), html);
  return pathToFileURL(path.join(dir, 'index.html')).href;
}

/**
 * Page-side helpers, as source text: functions handed to page.evaluate from here would carry the
 * TypeScript runner's name helpers, which do not exist in the page.
 */
const PAGE_HELPERS = `
window.__bench = {
  // Posts a host message; resolves after the frame that shows it has been produced.
  postAndPaint(message, doneWhen) {
    const t0 = performance.now();
    window.postMessage(message, '*');
    return new Promise((resolve) => {
      const check = () => (document.querySelector(doneWhen) ? requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0)) : setTimeout(check, 0));
      check();
    });
  },
  // Scrolls the trace list to its end; resolves once the frame showing 'doneWhen' is painted.
  jumpToEnd(doneWhen) {
    const wrap = document.querySelector('.table-wrap');
    const t0 = performance.now();
    wrap.scrollTop = wrap.scrollHeight;
    return new Promise((resolve) => {
      const check = () => (document.querySelector(doneWhen) ? requestAnimationFrame(() => resolve(performance.now() - t0)) : requestAnimationFrame(check));
      check();
    });
  },
  // Scrolls the waterfall a step per frame; resolves with each frame's duration.
  scroll(frames) {
    const viewport = document.querySelector('.wf-viewport');
    const times = [];
    let last = performance.now();
    return new Promise((resolve) => {
      const step = () => {
        const now = performance.now();
        times.push(now - last);
        last = now;
        if (times.length > frames) return resolve(times.slice(2));
        viewport.scrollTop += 173;
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });
  },
};`;

type BenchWindow = { __bench: { postAndPaint(m: unknown, sel: string): Promise<number>; jumpToEnd(sel: string): Promise<number>; scroll(frames: number): Promise<number[]> } };

/** Hands the message to the page first (the transfer is not the panel's work), then times posting it. */
async function stage(page: Page, message: unknown): Promise<void> {
  await page.evaluate((m) => {
    (window as unknown as { __message: unknown }).__message = m;
  }, message);
}

function postAndPaint(page: Page, doneWhen: string): Promise<number> {
  return page.evaluate((sel) => {
    const w = window as unknown as BenchWindow & { __message: unknown };
    return w.__bench.postAndPaint(w.__message, sel);
  }, doneWhen);
}

function scrollFrames(page: Page, frames: number): Promise<number[]> {
  return page.evaluate((n) => (window as unknown as BenchWindow).__bench.scroll(n), frames);
}

/** Main-thread busy time (Chrome's TaskDuration) around `work`: on a loaded machine wall time also counts waiting for a core. */
async function busyMs<T>(cdp: CDPSession, work: () => Promise<T>): Promise<{ value: T; busy: number }> {
  const task = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
  const before = await task();
  const value = await work();
  return { value, busy: (await task()) - before };
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/**
 * Checks that every trace of a 1,000-row page is reachable by keyboard though only the rows on
 * screen are rendered: arrows, Page Down, End and Home move the focus (rendering what comes into
 * view), one row is the tab stop, Enter opens. Returns 'ok' or what went wrong.
 */
async function checkListKeyboard(page: Page): Promise<string> {
  const focused = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.getAttribute('aria-label')?.replace(/ #\d+,.*/, '') ?? '');
  await page.locator('.trace-rows [role=row]').first().focus();
  const steps: [string, string][] = [['ArrowDown', 'GET /api/item/1'], ['PageDown', ''], ['End', 'GET /api/item/999'], ['ArrowUp', 'GET /api/item/998'], ['Home', 'GET /api/item/0']];
  for (const [key, expected] of steps) {
    const before = await focused();
    await page.keyboard.press(key);
    const now = await focused();
    if (expected ? now !== expected : now === before || !now.startsWith('GET /api/item/')) return `after ${key}: focus on '${now}', expected '${expected || 'a row further down'}'`;
  }
  const tabStops = await page.locator('.trace-rows [role=row][tabindex="0"]').count();
  if (tabStops !== 1) return `${tabStops} rows in the tab order, expected 1`;
  await page.keyboard.press('Enter');
  const posted = await page.evaluate(() => JSON.stringify((window as unknown as { __posted: unknown[] }).__posted.at(-1)));
  if (posted !== JSON.stringify({ type: 'openTrace', traceId: hex(1, 32) })) return `Enter on the first row posted ${posted}`;
  return 'ok';
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-bench-panels-'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-gpu-vsync', '--disable-frame-rate-limit', '--allow-file-access-from-files'],
  });
  try {
    const url = await buildPage(dir);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.addInitScript(`window.__posted = []; window.acquireVsCodeApi = () => ({ postMessage(m) { window.__posted.push(m); }, getState() { return undefined; }, setState() {} });${PAGE_HELPERS}`);
    await page.goto(url);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await stage(page, { type: 'init', servers: [], live: false });
    await postAndPaint(page, '.trace-list');
    const listMs: number[] = [];
    const listBusy: number[] = [];
    const listEndMs: number[] = [];
    const listRows: number[] = [];
    const listPageBusy: number[] = [];
    for (let run = 0; run < 5; run++) {
      const items = syntheticList(1000).map((t) => ({ ...t, rootName: `${t.rootName} #${run}` }));
      await stage(page, { type: 'traces', items, live: false });
      const r = await busyMs(cdp, () => postAndPaint(page, `[role=row][aria-label^="GET /api/item/0 #${run}"]`));
      listMs.push(r.value);
      listBusy.push(r.busy);
      // Only the rows on screen are rendered: time a jump to the end until the last row shows.
      const end = await busyMs(cdp, () => page.evaluate((sel) => (window as unknown as BenchWindow).__bench.jumpToEnd(sel), `[role=row][aria-label^="GET /api/item/999 #${run}"]`));
      listEndMs.push(end.value);
      // The page's whole cost: its first paint, and everything until its last row is painted.
      listPageBusy.push(r.busy + end.busy);
      listRows.push(await page.locator('.trace-rows [role=row]').count());
      await page.evaluate(() => {
        (document.querySelector('.table-wrap') as HTMLElement).scrollTop = 0;
      });
    }
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'bench-trace-list.png') });
    const keyboard = await checkListKeyboard(page);
    const trace = syntheticTrace(10_000);
    const renderMs: number[] = [];
    const renderBusy: number[] = [];
    for (let run = 0; run < 5; run++) {
      const traceId = hex(run + 1, 32);
      const message = { type: 'trace', traceId, spans: trace.spans.map((s) => ({ ...s, traceId })), logs: [] };
      await stage(page, message);
      // The panel shows only the trace it asked for: open it from the list as a user would.
      await page.evaluate(`document.querySelector('[data-trace-id="${traceId}"]').click()`);
      const r = await busyMs(cdp, () => postAndPaint(page, `body[data-trace-rendered^="${traceId}"] .wf-row`));
      renderMs.push(r.value);
      renderBusy.push(r.busy);
    }
    const scroll = await busyMs(cdp, () => scrollFrames(page, 300));
    const frames = scroll.value;
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'bench-waterfall.png') });
    const rows = await page.locator('.wf-row').count();
    console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores; wall time, then main-thread busy time`);
    console.log(`trace list, 1,000 rows, first paint:  median ${percentile(listMs, 50).toFixed(1)} ms, worst ${Math.max(...listMs).toFixed(1)} ms; busy median ${percentile(listBusy, 50).toFixed(1)} ms (target < 100); ${Math.max(...listRows)} row elements; last row painted ${percentile(listEndMs, 50).toFixed(1)} ms after a jump to the end; busy from the page's arrival to its last row painted ${percentile(listPageBusy, 50).toFixed(1)} ms`);
    console.log(`waterfall first render, 10,000 spans: median ${percentile(renderMs, 50).toFixed(1)} ms, worst ${Math.max(...renderMs).toFixed(1)} ms; busy median ${percentile(renderBusy, 50).toFixed(1)} ms (target < 300)`);
    console.log(`scrolling, ${frames.length} frames:               p95 ${percentile(frames, 95).toFixed(1)} ms, median ${percentile(frames, 50).toFixed(1)} ms; busy ${(scroll.busy / frames.length).toFixed(1)} ms per frame (target p95 < 16)`);
    console.log(`trace list keyboard (one tab stop; arrows, Page Down, End, Home, Enter over 1,000 rows): ${keyboard}`);
    console.log(`row elements in the DOM: ${rows} (of 10,000 spans); last synchronous render: ${await page.evaluate(() => document.body.dataset.traceRendered)}`);
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
