/**
 * Security review, access side (docs/security.md): the state dir and socket refuse another uid;
 * the OTLP receiver answers on loopback only; the panels' HTML has a strict nonce CSP and the
 * built webview bundles carry no inline handlers or eval; a webview message can trigger nothing
 * beyond the declared message types.
 */
import * as assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { statePaths } from '../../shared/node/stateDir';
import { METRICS_MESSAGE_TYPES } from '../../shared/webview/metrics';
import { TRACES_MESSAGE_TYPES } from '../../shared/webview/traces';
import { REPO } from '../integration/helpers';
import { figure } from './figures';
import { startLiveDaemon, type LiveDaemon } from './liveDaemon';
import { renderPanelHtml } from './panelHtmlStandIn';

const NOBODY = 65534;

/** Runs `script` in Node as uid/gid nobody; resolves its stdout lines. */
function asNobody(script: string): string[] {
  const r = child_process.spawnSync(process.execPath, ['-e', script], { uid: NOBODY, gid: NOBODY, encoding: 'utf8', timeout: 20_000 });
  return `${r.stdout}${r.stderr}`.trim().split('\n');
}

/** Resolves 'connected' or the error code of a TCP connection attempt. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host, port, timeout: 3_000 });
    s.on('connect', () => (s.destroy(), resolve('connected')));
    s.on('timeout', () => (s.destroy(), resolve('timeout')));
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

describe('security: access (real daemon, real uids, real sockets)', function () {
  this.timeout(120_000);
  let d: LiveDaemon;

  before(async () => {
    d = await startLiveDaemon('rl-sec-acc-');
  });
  after(async () => d?.stop());

  it('keeps the state dir 0700 and its files 0600, and refuses uid nobody on every path', async function () {
    if (process.getuid?.() !== 0) {
      console.warn('    SKIPPED LOUDLY: switching to another uid needs root; run the suite as root to check privacy');
      this.skip();
    }
    const paths = statePaths(d.home);
    // The temp folder around the state dir is 0700 too: open it, so only Runlens's own modes refuse.
    fs.chmodSync(path.dirname(d.home), 0o755);
    assert.equal(fs.statSync(d.home).mode & 0o777, 0o700);
    const loose: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        const mode = fs.lstatSync(p).mode & 0o777;
        if (e.isDirectory()) walk(p);
        if (mode & 0o077) loose.push(`${p} ${mode.toString(8)}`);
      }
    };
    walk(d.home);
    assert.deepEqual(loose, [], 'nothing in the state dir is open to group or others');
    const targets = [paths.socket, d.home, paths.log, path.join(d.home, 'telemetry'), path.join(d.home, 'daemon.lock')];
    const script = `const fs = require('fs'), net = require('net');
      const t = ${JSON.stringify(targets)};
      const tryFs = (f) => { try { f(); return 'ALLOWED'; } catch (e) { return e.code; } };
      console.log('readdir home ' + tryFs(() => fs.readdirSync(t[1])));
      console.log('read log ' + tryFs(() => fs.readFileSync(t[2])));
      console.log('readdir telemetry ' + tryFs(() => fs.readdirSync(t[3])));
      console.log('write lock ' + tryFs(() => fs.writeFileSync(t[4], 'x')));
      net.createConnection(t[0]).on('connect', () => { console.log('socket ALLOWED'); process.exit(0); }).on('error', (e) => { console.log('socket ' + e.code); process.exit(0); });`;
    const lines = asNobody(script);
    console.log(`      as nobody: ${lines.join('; ')}`);
    assert.equal(lines.length, 5, lines.join('\n'));
    assert.ok(lines.every((l) => / EACCES$/.test(l)), lines.join('\n'));
    await d.assertServing();
    figure('State dir and socket permissions', 'attempts as uid nobody / refused (EACCES)', `${lines.length} / ${lines.filter((l) => l.endsWith('EACCES')).length}`);
    figure('State dir and socket permissions', 'state dir entries open to group or others', loose.length);
  });

  it('answers OTLP on 127.0.0.1 only, not on any other address of this machine', async () => {
    const port = Number(new URL(d.endpoint).port);
    assert.equal(await tryConnect('127.0.0.1', port), 'connected');
    const others = Object.values(os.networkInterfaces()).flat().filter((a) => a && !a.internal && !a.address.startsWith('fe80')).map((a) => a!.address);
    if (!others.length) throw new Error('this machine has no non-loopback address to try; the check needs one');
    const results = await Promise.all(others.map(async (a) => `${a} ${await tryConnect(a, port)}`));
    console.log(`      ${results.join('; ')}`);
    assert.ok(results.every((r) => !r.endsWith('connected')), results.join('; '));
    const ipv6Loopback = await tryConnect('::1', port);
    assert.notEqual(ipv6Loopback, 'connected', 'only the IPv4 loopback is bound');
    figure('OTLP receiver bound to loopback', 'non-loopback addresses tried / refused', `${others.length} / ${results.filter((r) => !r.endsWith('connected')).length}`);
  });

  it("gives each panel a nonce CSP with no inline script or eval, and the built bundles no inline handlers", () => {
    for (const panel of ['traces', 'metrics'] as const) {
      const html = renderPanelHtml(panel);
      const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
      assert.ok(csp, `${panel}: no CSP meta`);
      const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
      assert.ok(nonce && nonce.length >= 16, `${panel}: script-src has no nonce: ${csp}`);
      assert.match(csp, /default-src 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
      const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!);
      assert.ok(scripts.length > 0 && scripts.every((s) => s.includes(`nonce="${nonce}"`) && /src="/.test(s)), `${panel}: a script without the nonce or inline`);
      assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${panel}: inline event handler in the HTML`);
      assert.notEqual(renderPanelHtml(panel), html, 'a fresh nonce per render');
      const bundle = fs.readFileSync(path.join(REPO, 'dist', 'webviews', `${panel}.js`), 'utf8');
      assert.equal((bundle.match(/\beval\(|new Function\(|\son[a-z]+=\\?"|setAttribute\(["']on/g) ?? []).length, 0, `${panel}.js has eval or inline handlers`);
    }
    figure('Webview CSP', 'panels checked / with nonce-only scripts and no inline handlers', '2 / 2');
  });

  it('runs nothing from a webview message but the declared message types', () => {
    const sources = ['tracesPanel.ts', 'metricsPanel.ts', 'panels.ts'].map((f) => fs.readFileSync(path.join(REPO, 'extension', 'panels', f), 'utf8'));
    const all = sources.join('\n');
    // No way from a panel to a command, a process, a terminal, a task or an external URL.
    for (const forbidden of ['executeCommand', 'child_process', 'sendText', 'openExternal', 'tasks.executeTask', 'eval(']) {
      assert.ok(!all.includes(forbidden), `extension/panels uses ${forbidden}`);
    }
    // Each host handles exactly the declared types (the parsers reject every other one; fuzzed in hostileInputs).
    const handled = (src: string): string[] => [...(/private async handle\(msg[^]*?\n {2}\}\n/.exec(src)?.[0] ?? '').matchAll(/case '(\w+)':/g)].map((m) => m[1]!).sort();
    assert.deepEqual(handled(sources[0]!), [...TRACES_MESSAGE_TYPES.toHost].sort());
    assert.deepEqual(handled(sources[1]!), [...METRICS_MESSAGE_TYPES.toHost].sort());
    figure('Webview messages cannot run commands', 'declared message types handled (traces + metrics) / other ways to run anything', `${TRACES_MESSAGE_TYPES.toHost.length + METRICS_MESSAGE_TYPES.toHost.length} / 0`);
  });
});
