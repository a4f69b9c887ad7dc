/**
 * The traces and metrics journey in a real VS Code: the OTel example serves requests, its trace
 * shows in the traces panel, the waterfall opens, the handler span's source link opens the
 * example's own src/server.js (not the build copy) at the line that started the span; a span whose
 * path points outside the workspace is refused; the metrics panel draws CPU and memory of the
 * running server, the app's own metric split by route, and shares its time range with the traces
 * panel. Screenshots in the dark, light and both high contrast themes.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { runCommand, screenshot, waitForStatusLabel, waitUntil, type CodeServer, type Workbench } from './codeServer';
import { ExampleWorkspace } from './exampleWorkspace';
import { runlensCli } from './failureLogs';
import { panelFrame, pickOption, runCommandOverWebview, selectValue, setTheme } from './panelHelpers';

function request(url: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: body ? 'POST' : 'GET', headers: body ? { 'content-type': 'application/json' } : {}, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end(body);
  });
}

function runlensLog(server: CodeServer): string {
  return server.logs.files().filter((f) => /Runlens/.test(f.file)).map((f) => f.text).join('\n');
}

describe('traces and metrics panels in code-server', function () {
  this.timeout(300_000);
  let ex: ExampleWorkspace;
  let workspace: string;
  let home: string;
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  let port = 0;

  before(async function () {
    ex = new ExampleWorkspace('otel-node', 'panels');
    ({ workspace, home } = ex);
    workbench = await ex.open({ 'workbench.colorTheme': 'Default Dark Modern' });
    server = ex.server;
  });

  afterEach(function () {
    ex.printLogsIfFailed(this);
  });

  after(async function () {
    this.timeout(60_000);
    await ex?.close();
  });

  it('builds and starts the OTel example, which serves requests', async () => {
    const { page } = workbench!;
    await waitForStatusLabel(page, /^Runlens: 0\/1 healthy/, { timeoutMs: 60_000 });
    await runCommand(page, 'Runlens: Start Server');
    await waitForStatusLabel(page, /^Runlens: 1\/1 healthy/, { timeoutMs: 240_000 });
    const ps = JSON.parse(await runlensCli(home, ['ps', '--json'])) as { servers: { name: string; port?: number }[] };
    port = ps.servers.find((s) => s.name === 'api')?.port ?? 0;
    assert.ok(port > 0, 'the server has a port');
    assert.equal(await request(`http://127.0.0.1:${port}/work?n=5000`), 200);
    assert.equal(await request(`http://127.0.0.1:${port}/fail`), 500);
  });

  it('lists the trace, opens its waterfall, and opens the handler span at its line in the workspace', async () => {
    const { page } = workbench!;
    await runCommand(page, 'Runlens: Open Traces');
    const frame = await panelFrame(page, 'traces-root');
    const row = frame.locator('[role=row][data-trace-id][aria-label^="GET /work"]').first();
    await row.waitFor({ state: 'visible', timeout: 90_000 });
    await screenshot(page, 'traces-list-dark');
    await row.click();
    const handler = frame.locator('.wf-row', { has: frame.locator('.wf-name-text', { hasText: /^GET \/work$/ }) });
    await handler.waitFor({ state: 'visible', timeout: 30_000 });
    await frame.locator('.wf-row', { has: frame.locator('.wf-name-text', { hasText: /^countPrimes$/ }) }).waitFor({ timeout: 10_000 });
    await screenshot(page, 'traces-waterfall-dark');
    await setTheme(page, 'Default Light Modern');
    await screenshot(page, 'traces-waterfall-light');
    // High contrast themes draw borders where other themes use shades: the panel must keep them.
    await setTheme(page, 'Default High Contrast');
    await screenshot(page, 'traces-waterfall-hc-dark');
    await setTheme(page, 'Default High Contrast Light');
    await screenshot(page, 'traces-waterfall-hc-light');
    await setTheme(page, 'Default Dark Modern');

    const source = fs.readFileSync(path.join(workspace, 'src', 'server.js'), 'utf8').split('\n');
    const line = source.findIndex((l) => l.includes('traced(`${req.method} ${url.pathname}`')) + 1;
    assert.ok(line > 0);
    await handler.locator('.wf-source').click();
    await page.locator('.part.editor .tab.active[data-resource-name="server.js"]').waitFor({ state: 'visible', timeout: 90_000 });
    await waitUntil(async () => (await page.locator('.statusbar-item[id="status.editor.selection"]').innerText().catch(() => '')).includes(`Ln ${line},`),
      { timeoutMs: 15_000, what: `the cursor at line ${line}` });
    const expected = `opened ${path.join(workspace, 'src', 'server.js')}:${line}:`;
    await waitUntil(async () => runlensLog(server!).includes(expected), { timeoutMs: 10_000, what: `'${expected}' in the Runlens log` });
    assert.ok(!runlensLog(server!).includes(`opened ${home}`), 'never opens a file in the build dir');
    await screenshot(page, 'traces-source-opened');
  });

  it('refuses a span whose source path points outside the workspace', async () => {
    const { page } = workbench!;
    const status = JSON.parse(await runlensCli(home, ['daemon', 'status', '--json'])) as { otlpEndpoint?: string; telemetry?: { otlpEndpoint?: string } };
    const endpoint = status.otlpEndpoint ?? status.telemetry?.otlpEndpoint;
    assert.ok(endpoint, 'the daemon reports its OTLP endpoint');
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = JSON.stringify({ resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'intruder' } }] },
      scopeSpans: [{ scope: { name: 'e2e' }, spans: [{
        traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanId: 'bbbbbbbbbbbbbbbb', name: 'outside job', kind: 1,
        startTimeUnixNano: String(now), endTimeUnixNano: String(now + 5_000_000n),
        attributes: [{ key: 'code.file.path', value: { stringValue: '/etc/passwd' } }, { key: 'code.line.number', value: { intValue: 1 } }],
      }] }],
    }] });
    assert.equal(await request(`${endpoint}/v1/traces`, body), 200);
    const frame = await panelFrame(page, 'traces-root');
    await frame.locator('vscode-button[aria-label="Back to the trace list"]').click();
    const row = frame.locator('[role=row][aria-label^="outside job"]').first();
    await row.waitFor({ state: 'visible', timeout: 60_000 });
    await row.click();
    const span = frame.locator('.wf-row', { has: frame.locator('.wf-name-text', { hasText: /^outside job$/ }) });
    await span.locator('.wf-source').click();
    await frame.locator('.notice', { hasText: 'outside the workspace' }).waitFor({ state: 'visible', timeout: 15_000 });
    await screenshot(page, 'traces-source-refused');
  });

  it('shows CPU and memory of the running server in the metrics panel', async () => {
    const { page } = workbench!;
    await runCommandOverWebview(page, 'Runlens: Open Metrics');
    const frame = await panelFrame(page, 'metrics-root');
    for (const chart of ['cpu', 'memory']) {
      await waitUntil(async () => Number(await frame.locator(`[data-chart="${chart}"]`).getAttribute('data-points').catch(() => '0')) >= 2,
        { timeoutMs: 90_000, what: `two or more ${chart} points` });
    }
    assert.equal(await frame.locator('[data-chart="cpu"] canvas').count(), 1);
    await screenshot(page, 'metrics-dark');
    await setTheme(page, 'Default Light Modern');
    await screenshot(page, 'metrics-light');

    // The app's own OTLP histogram, picked by name and split by route: /work and /fail were served.
    await pickOption(frame, 'App metric', 'http.server.request.duration');
    await pickOption(frame, 'Group by attribute', 'http.route');
    await waitUntil(async () => {
      const lines = (await frame.locator('[data-chart="app"]').getAttribute('data-lines').catch(() => '')) ?? '';
      return ['/work', '/fail'].every((route) => lines.split('\n').includes(route)) || undefined;
    }, { timeoutMs: 60_000, what: 'one app metric line per route' });
    assert.equal(await frame.locator('[data-chart="app"] h2').innerText(), 'http.server.request.duration (ms) by http.route');
    await frame.locator('[data-chart="app"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'metrics-app-by-route-light');
    await setTheme(page, 'Default High Contrast');
    await screenshot(page, 'metrics-app-by-route-hc-dark');
    await setTheme(page, 'Default Light Modern');

    // A range picked here is the traces panel's range too.
    await pickOption(frame, 'Time range', '6h');
    await runCommandOverWebview(page, 'Runlens: Open Traces');
    const shared = await panelFrame(page, 'traces-root');
    await waitUntil(async () => (await selectValue(shared, 'Time range').catch(() => '')) === '6h' || undefined, { timeoutMs: 30_000, what: 'the traces panel on the last 6 hours' });
    await runCommandOverWebview(page, 'Runlens: Open Metrics');
    const back = await panelFrame(page, 'metrics-root');
    assert.equal(await selectValue(back, 'Time range'), '6h');

    // A point on the latency chart opens that bucket's slowest traces in the traces panel.
    await waitUntil(async () => Number(await back.locator('[data-chart="latency"]').getAttribute('data-points').catch(() => '0')) >= 1,
      { timeoutMs: 60_000, what: 'a latency point' });
    const over = back.locator('[data-chart="latency"] .u-over');
    const box = (await over.boundingBox())!;
    await over.hover({ position: { x: box.width - 2, y: box.height / 2 } });
    await over.click({ position: { x: box.width - 2, y: box.height / 2 } });
    const traces = await panelFrame(page, 'traces-root');
    await traces.locator('.custom-range:not([hidden])').waitFor({ state: 'visible', timeout: 60_000 });
    await traces.locator('[role=row][data-trace-id]').first().waitFor({ state: 'visible', timeout: 60_000 });
    await screenshot(page, 'traces-slowest-of-bucket-light');
  });

  it("shows the /fail route's exception as a diagnostic in the workspace's server.js", async () => {
    const { page } = workbench!;
    const problems = page.locator('.statusbar-item[id="status.problems"]');
    await waitUntil(async () => /[1-9]/.test((await problems.getAttribute('aria-label').catch(() => '')) ?? ''),
      { timeoutMs: 60_000, what: 'an error in the Problems status item' });
    await problems.click();
    const text = async () => (await page.locator('.part.panel').innerText().catch(() => '')).replace(/\u00a0/g, ' ');
    await waitUntil(async () => (await text()).includes('this route always fails'), { timeoutMs: 15_000, what: 'the exception in the Problems view' });
    assert.match(await text(), /server\.js/);
    // At the line that threw, found through the recorded stack (not where the span began).
    const source = fs.readFileSync(path.join(workspace, 'src', 'server.js'), 'utf8').split('\n');
    const threw = source.findIndex((l) => l.includes("throw new Error('this route always fails')")) + 1;
    assert.match(await text(), new RegExp(`this route always fails[^[]*\\[Ln ${threw}, Col`));
    await screenshot(page, 'diagnostics-light');
  });
});
