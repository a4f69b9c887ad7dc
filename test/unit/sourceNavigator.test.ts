import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveLocation, resolveSpanSource, type NavigatorDeps } from '../../extension/panels/sourceNavigator';
import type { SpanRecord } from '../../shared/telemetry/model';

/** A workspace folder and a Runlens home with one build of it, on the real file system. */
function layout() {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-nav-')));
  const ws = path.join(root, 'ws');
  const home = path.join(root, 'home');
  const buildDir = path.join(home, 'projects', 'abcdef0123456789', 'builds', '20261127-000000-000-aaaa');
  const app = path.join(buildDir, 'app');
  for (const d of [path.join(ws, 'src'), path.join(app, 'src'), path.join(app, 'dist'), path.join(root, 'outside')]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(ws, 'src', 'server.js'), 'line1\nline2\n');
  fs.writeFileSync(path.join(app, 'src', 'server.js'), 'line1\nline2\n');
  fs.writeFileSync(path.join(ws, 'src', 'index.ts'), 'export const a = 1;\n');
  fs.writeFileSync(path.join(app, 'src', 'index.ts'), 'export const a = 1;\n');
  fs.writeFileSync(path.join(buildDir, 'build.json'), JSON.stringify({ id: 'b', folder: ws }));
  fs.writeFileSync(path.join(root, 'outside', 'secret.js'), 'x\n');
  const deps: NavigatorDeps = {
    workspaceFolders: [ws],
    runlensHome: home,
    realpath: (p) => {
      try {
        return fs.realpathSync(p);
      } catch {
        return undefined;
      }
    },
    readFile: (p) => {
      try {
        return fs.readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
  return { root, ws, home, app, buildDir, deps };
}

function span(attributes: SpanRecord['attributes'], events?: SpanRecord['events']): Pick<SpanRecord, 'attributes' | 'events'> {
  return { attributes, events };
}

describe('source navigator', () => {
  let l: ReturnType<typeof layout>;
  beforeEach(() => {
    l = layout();
  });
  afterEach(() => fs.rmSync(l.root, { recursive: true, force: true }));

  it('opens a workspace file named by code.file.path at its line and column', () => {
    const t = resolveSpanSource(span({ 'code.file.path': path.join(l.ws, 'src/server.js'), 'code.line.number': 2, 'code.column.number': 5 }), l.deps);
    assert.deepEqual(t, { ok: true, file: path.join(l.ws, 'src/server.js'), line: 2, column: 5, via: [] });
  });

  it('reads the older code.filepath / code.lineno names and file:// URLs', () => {
    const url = pathToFileURL(path.join(l.ws, 'src/server.js')).href;
    const t = resolveSpanSource(span({ 'code.filepath': url, 'code.lineno': '2' }), l.deps);
    assert.ok(t.ok && t.file === path.join(l.ws, 'src/server.js') && t.line === 2 && t.column === 1);
  });

  it('resolves a relative path against the workspace folder', () => {
    const t = resolveSpanSource(span({ 'code.file.path': 'src/server.js', 'code.line.number': 1 }), l.deps);
    assert.ok(t.ok && t.file === path.join(l.ws, 'src/server.js'));
  });

  it('maps a file in a build copy back to the project folder it came from', () => {
    const t = resolveSpanSource(span({ 'code.file.path': path.join(l.app, 'src/server.js'), 'code.line.number': 2 }), l.deps);
    assert.ok(t.ok, JSON.stringify(t));
    assert.equal(t.file, path.join(l.ws, 'src/server.js'));
  });

  it('follows the source map of bundled output to the original TypeScript', () => {
    // One mapping: generated line 1 column 0 → source 0 (../src/index.ts) line 1 column 13.
    const map = { version: 3, sources: ['../src/index.ts'], names: [], mappings: 'AAAa' };
    fs.writeFileSync(path.join(l.app, 'dist', 'index.mjs'), 'export const a = 1;\n//# sourceMappingURL=index.mjs.map\n');
    fs.writeFileSync(path.join(l.app, 'dist', 'index.mjs.map'), JSON.stringify(map));
    const t = resolveLocation({ file: path.join(l.app, 'dist', 'index.mjs'), line: 1, column: 1 }, l.deps);
    assert.ok(t.ok, JSON.stringify(t));
    assert.equal(t.file, path.join(l.ws, 'src/index.ts'));
    assert.equal(t.line, 1);
    assert.equal(t.column, 14);
  });

  it('reads inline source maps', () => {
    const map = Buffer.from(JSON.stringify({ version: 3, sources: ['../src/index.ts'], names: [], mappings: 'AAAA' })).toString('base64');
    fs.writeFileSync(path.join(l.app, 'dist', 'inline.js'), `x\n//# sourceMappingURL=data:application/json;base64,${map}\n`);
    const t = resolveLocation({ file: path.join(l.app, 'dist', 'inline.js'), line: 1, column: 1 }, l.deps);
    assert.ok(t.ok && t.file === path.join(l.ws, 'src/index.ts'), JSON.stringify(t));
  });

  it('refuses a source map whose source leaves the build copy', () => {
    const map = { version: 3, sources: ['../../../../../../outside/secret.js'], names: [], mappings: 'AAAA' };
    fs.writeFileSync(path.join(l.app, 'dist', 'evil.js'), 'x\n//# sourceMappingURL=evil.js.map\n');
    fs.writeFileSync(path.join(l.app, 'dist', 'evil.js.map'), JSON.stringify(map));
    const t = resolveLocation({ file: path.join(l.app, 'dist', 'evil.js'), line: 1, column: 1 }, l.deps);
    assert.equal(t.ok, false);
    assert.ok(!t.ok && t.reason === 'refused', JSON.stringify(t));
  });

  it('refuses `..` paths that climb out of the workspace', () => {
    const t = resolveLocation({ file: path.join(l.ws, '..', 'outside', 'secret.js'), line: 1 }, l.deps);
    assert.ok(!t.ok && t.reason === 'refused', JSON.stringify(t));
    const rel = resolveLocation({ file: '../outside/secret.js', line: 1 }, l.deps);
    assert.ok(!rel.ok && rel.reason === 'refused', JSON.stringify(rel));
  });

  it('refuses a symlink inside the workspace that points out of it', () => {
    fs.symlinkSync(path.join(l.root, 'outside', 'secret.js'), path.join(l.ws, 'src', 'link.js'));
    const t = resolveLocation({ file: path.join(l.ws, 'src', 'link.js'), line: 1 }, l.deps);
    assert.ok(!t.ok && t.reason === 'refused', JSON.stringify(t));
  });

  it('refuses a symlinked directory out of a build copy', () => {
    fs.symlinkSync(path.join(l.root, 'outside'), path.join(l.app, 'out'));
    const t = resolveLocation({ file: path.join(l.app, 'out', 'secret.js'), line: 1 }, l.deps);
    assert.ok(!t.ok && t.reason === 'refused', JSON.stringify(t));
  });

  it('refuses absolute system paths and runtime frames', () => {
    for (const file of ['/etc/passwd', '/etc/hosts', 'node:internal/modules/cjs/loader']) {
      const t = resolveLocation({ file, line: 1 }, l.deps);
      assert.ok(!t.ok && t.reason === 'refused', `${file}: ${JSON.stringify(t)}`);
    }
  });

  it('refuses a build of a project folder that is not open', () => {
    fs.writeFileSync(path.join(l.buildDir, 'build.json'), JSON.stringify({ folder: path.join(l.root, 'outside') }));
    const t = resolveLocation({ file: path.join(l.app, 'src/server.js'), line: 1 }, l.deps);
    assert.ok(!t.ok && t.reason === 'refused', JSON.stringify(t));
  });

  it('says a file inside the workspace is missing rather than refusing it', () => {
    const t = resolveLocation({ file: path.join(l.ws, 'src', 'gone.js'), line: 1 }, l.deps);
    assert.ok(!t.ok && t.reason === 'missing', JSON.stringify(t));
  });

  it('uses the first project frame of an exception stack trace', () => {
    const stack = [
      'Error: boom',
      '    at Object.run (node:internal/process/task_queues:95:5)',
      `    at helper (${path.join(l.root, 'home', 'node_modules', 'lib', 'x.js')}:3:4)`,
      `    at async handle (${path.join(l.app, 'src', 'server.js')}:2:7)`,
    ].join('\n');
    const t = resolveSpanSource(span({}, [{ name: 'exception', timeUnixNano: '1', attributes: { 'exception.stacktrace': stack } }]), l.deps);
    assert.ok(t.ok, JSON.stringify(t));
    assert.equal(t.file, path.join(l.ws, 'src/server.js'));
    assert.equal(t.line, 2);
    assert.equal(t.column, 7);
  });

  it('says when a span has no source information, and names the span processor', () => {
    const t = resolveSpanSource(span({ 'http.route': '/x' }), l.deps);
    assert.ok(!t.ok && t.reason === 'none' && /span processor/.test(t.message));
  });
});
