/**
 * The panels' content security policy as the editor really loads it (docs/security.md): in
 * code-server, the traces webview carries the CSP meta of the built extension, every
 * script has the nonce and a source file, and once rendered no element has an inline `on…` handler.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { REPO_ROOT, openWorkbench, runCommand, startCodeServer, waitForStatusLabel, waitUntil, type CodeServer, type Workbench } from './codeServer';
import { printLogsIfFailed, tearDown } from './failureLogs';

interface Rendered {
  csp: string | null;
  scripts: { nonce: string; src: string; editorOwn: boolean }[];
  handlers: string[];
}

/** The webview frame whose document holds `selector`, once it is there. */
async function webviewWith(page: Page, selector: string): Promise<Frame> {
  return waitUntil(async () => {
    const hits = await Promise.all(page.frames().map(async (f) => ((await f.$(selector).catch(() => null)) ? f : undefined)));
    return hits.find((f) => f !== undefined);
  }, { timeoutMs: 30_000, what: `a webview showing ${selector}` });
}

/** What the rendered document says about its scripts and handlers. */
function inspect(frame: Frame): Promise<Rendered> {
  return frame.evaluate(() => ({
    csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? null,
    scripts: [...document.scripts].map((s) => ({ nonce: s.nonce ?? '', src: s.src, editorOwn: !s.src && s.text.includes('acquireVsCodeApi') })),
    handlers: [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => `${el.tagName}[${a.name}]`)),
  }));
}

describe('panel security in code-server', function () {
  this.timeout(180_000);
  let workspace: string;
  let home: string;
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-e2e-csp-'));
    fs.cpSync(path.join(REPO_ROOT, 'examples', 'hello-node'), workspace, { recursive: true });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-e2e-csphome-'));
    server = await startCodeServer({ workspace, runlensHome: home });
    workbench = await openWorkbench(server.url, workspace);
    // The palette lists Runlens's commands once the extension has activated and shown its status.
    await waitForStatusLabel(workbench.page, /^Runlens: 0\/1 healthy/, { timeoutMs: 60_000 });
  });

  afterEach(function () {
    printLogsIfFailed(this, { server, workbench, home });
  });

  after(async function () {
    this.timeout(60_000);
    await tearDown({ workbenches: [workbench], server, home, remove: [workspace, home] });
  });

  // One panel: both share panelHtml (checked for both in test/faults/securityAccess.test.ts), and
  // an open webview covers the editor area that runCommand clicks for focus.
  for (const [command, root] of [['Runlens: Open Traces', '.traces-root']] as const) {
    it(`${command}: nonce-only scripts under a strict CSP and no inline handlers once rendered`, async () => {
      const { page } = workbench!;
      await runCommand(page, command);
      const r = await inspect(await webviewWith(page, root));
      console.log(`      ${root}: CSP ${r.csp}; ${r.scripts.length} script(s); ${r.handlers.length} inline handler(s)`);
      assert.ok(r.csp, 'the document carries the CSP meta');
      assert.match(r.csp, /default-src 'none'/);
      const nonce = /script-src 'nonce-([^']+)'/.exec(r.csp)?.[1];
      assert.ok(nonce, `script-src allows only a nonce: ${r.csp}`);
      assert.doesNotMatch(r.csp, /unsafe-inline|unsafe-eval/);
      // The editor injects its own script (acquireVsCodeApi) into every webview; all others are ours.
      const ours = r.scripts.filter((s) => !s.editorOwn);
      assert.ok(ours.length > 0 && ours.every((s) => s.nonce === nonce && s.src !== ''), JSON.stringify(r.scripts));
      assert.deepEqual(r.handlers, []);
    });
  }
});
