/**
 * Hostile input to the checks that run in-process, through the real code: mutated runlens.json
 * (each problem names its field), webview messages of wrong shapes (the validators in shared/
 * answer a typed message or a MessageError naming the field, never another exception), and span
 * source paths with `..`, symlinks out of the workspace and absolute system paths (the real source
 * navigator over real files and symlinks on disk opens nothing outside the workspace).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseRunlensConfig } from '../../shared/config/validate';
import { MessageError } from '../../shared/webview/check';
import { parseMetricsToHost, METRICS_MESSAGE_TYPES } from '../../shared/webview/metrics';
import { DEFAULT_FILTER, parseTracesToHost, TRACES_MESSAGE_TYPES } from '../../shared/webview/traces';
import { isInside, resolveLocation, type NavigatorDeps } from '../../extension/panels/sourceNavigator';
import { figure } from './figures';
import { jsonText, mutateBytes, mutateJson, Tally } from './fuzz';
import { seededRandom } from './seeded';

const RUNS = 5_000;
const FILE = '/work/app/runlens.json';
const TRACE = '5b8efff798038103d269b633813fc60c';

const CONFIG = {
  node: '/usr/bin/node',
  build: { timeoutMs: 60000, keep: 3 },
  servers: [
    { name: 'db', start: 'node db.js', port: 5555 },
    {
      name: 'api', build: 'npm run build', start: 'node dist/server.js', cwd: 'packages/api', env: { A: '1' }, envFiles: ['.env'], port: 'auto',
      health: { path: '/health', intervalMs: 500 }, restart: { mode: 'on-failure', maxRestarts: 3, backoffMs: 100 }, dependsOn: ['db'], output: ['dist/server.js'],
    },
  ],
};

const TRACES_TO_HOST = [
  { type: 'ready' }, { type: 'listTraces', filter: { ...DEFAULT_FILTER, nameContains: 'GET', minDurationMs: 5 }, cursor: 'abc' }, { type: 'setLive', live: true },
  { type: 'openTrace', traceId: TRACE }, { type: 'openSource', traceId: TRACE, spanId: 'eee19b7ec3c1b174' }, { type: 'setRange', window: { range: 'custom', fromMs: 1, toMs: 2 } },
];
const METRICS_TO_HOST = [
  { type: 'ready' }, { type: 'query', query: { range: '1h', serverId: 'api', appMetric: 'jobs', appAggregation: 'p95', groupBy: 'queue' } },
  { type: 'openSlowTraces', serverId: 'api', fromMs: 1, toMs: 2 }, { type: 'setRange', window: { range: '5m' } },
];

describe('hostile input to in-process checks (real validators, real files)', function () {
  this.timeout(120_000);

  it(`names the field of every problem in ${RUNS} mutated runlens.json files`, () => {
    const rng = seededRandom('runlens.json fuzzing');
    assert.deepEqual(parseRunlensConfig(JSON.stringify(CONFIG), FILE).problems, []);
    const tally = new Tally();
    for (let i = 0; i < RUNS; i++) {
      const text = rng.next() < 0.3 ? mutateBytes(rng, Buffer.from(JSON.stringify(CONFIG, null, 2))).toString('latin1') : jsonText(mutateJson(rng, CONFIG, 4096));
      const { config, problems } = parseRunlensConfig(text, FILE);
      if (!problems.length) {
        assert.ok(config, 'a file without problems gives a config');
        tally.add('accepted');
        continue;
      }
      for (const p of problems) {
        if (p.field === '') {
          // Only a file that is not JSON, or not an object, has no field to name.
          assert.match(p.message, /expected (valid JSON|an object)/, p.message);
          tally.add(/valid JSON/.test(p.message) ? 'syntax error with position' : 'not an object');
          if (/valid JSON/.test(p.message)) assert.match(p.message, new RegExp(`^${FILE}( \\(line \\d+, column \\d+\\))?: `), p.message);
        } else {
          assert.ok(p.message.startsWith(`${FILE}: ${p.field}: expected `), p.message.slice(0, 300));
          tally.add('problem naming its field');
        }
      }
    }
    console.log(`      outcomes: ${tally}`);
    figure('runlens.json fuzzing', 'files / accepted / problems naming a field / syntax errors', `${RUNS} / ${tally.get('accepted')} / ${tally.get('problem naming its field')} / ${tally.get('syntax error with position') + tally.get('not an object')}`);
  });

  it(`answers ${RUNS} wrongly shaped webview messages with a typed message or a MessageError naming the field`, () => {
    const rng = seededRandom('webview message fuzzing');
    const tally = new Tally();
    const panels = [
      { parse: parseTracesToHost, bases: TRACES_TO_HOST, types: TRACES_MESSAGE_TYPES.toHost as readonly string[] },
      { parse: parseMetricsToHost, bases: METRICS_TO_HOST, types: METRICS_MESSAGE_TYPES.toHost as readonly string[] },
    ];
    for (const p of panels) for (const b of p.bases) assert.equal(p.parse(b).type, b.type);
    for (let i = 0; i < RUNS; i++) {
      const p = rng.pick(panels);
      const message = rng.next() < 0.1 ? { type: rng.pick(['runCommand', 'executeCommand', 'openExternal', 'eval', '__proto__']), command: 'rm -rf /' } : mutateJson(rng, rng.pick<object>(p.bases), 8192);
      try {
        const parsed = p.parse(message);
        assert.ok(p.types.includes(parsed.type), `parsed an undeclared type ${parsed.type}`);
        tally.add('accepted as a declared type');
      } catch (err) {
        assert.ok(err instanceof MessageError, `not a MessageError: ${(err as Error).stack}`);
        assert.ok(err.field.length > 0 && err.message.includes(`'${err.field}'`), err.message);
        tally.add('rejected naming the field');
      }
    }
    console.log(`      outcomes: ${tally}`);
    figure('Webview messages of wrong shapes', 'messages / rejected naming the field / accepted as a declared type', `${RUNS} / ${tally.get('rejected naming the field')} / ${tally.get('accepted as a declared type')}`);
  });

  it('opens no span source path outside the workspace: `..`, symlinks out, absolute system paths, URLs', () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-fz-nav-')));
    try {
      const ws = path.join(root, 'ws');
      const home = path.join(root, 'home');
      fs.mkdirSync(path.join(ws, 'src'), { recursive: true });
      fs.mkdirSync(path.join(root, 'outside'));
      fs.mkdirSync(home);
      fs.writeFileSync(path.join(ws, 'src', 'ok.js'), 'x\n');
      fs.writeFileSync(path.join(root, 'outside', 'secret.js'), 'secret\n');
      fs.symlinkSync(path.join(root, 'outside', 'secret.js'), path.join(ws, 'src', 'file-link.js'));
      fs.symlinkSync(path.join(root, 'outside'), path.join(ws, 'dir-link'));
      fs.symlinkSync('/etc', path.join(ws, 'etc-link'));
      fs.symlinkSync(path.join(ws, 'src', 'ok.js'), path.join(ws, 'inside-link.js'));
      const deps: NavigatorDeps = {
        workspaceFolders: [ws],
        runlensHome: home,
        realpath: (p) => { try { return fs.realpathSync(p); } catch { return undefined; } },
        readFile: (p) => { try { return fs.readFileSync(p, 'utf8'); } catch { return undefined; } },
      };
      const hostile = [
        '../outside/secret.js', '../../../../../../etc/passwd', 'src/../../outside/secret.js', `${ws}/../outside/secret.js`, `${ws}/src/../../outside/secret.js`,
        'src/file-link.js', `${ws}/src/file-link.js`, 'dir-link/secret.js', `${ws}/dir-link/secret.js`, 'etc-link/passwd', `${ws}/etc-link/shadow`,
        '/etc/passwd', '/etc/shadow', '/proc/self/environ', '/root/.ssh/id_rsa', '/dev/zero', `file:///etc/passwd`, `file://${root}/outside/secret.js`,
        `file://${ws}/../outside/secret.js`, '%2e%2e/outside/secret.js', '..%2foutside%2fsecret.js', 'src/ok.js\u0000/../../outside/secret.js',
        `${'../'.repeat(200)}etc/passwd`, `${ws}/${'a/'.repeat(2000)}x.js`, 'node:fs', 'C:\\Windows\\system.ini', '\\\\server\\share\\x.js',
      ];
      const tally = new Tally();
      for (const file of hostile) {
        const t = resolveLocation({ file, line: 1 }, deps);
        if (t.ok) assert.ok(isInside(ws, t.file), `${file} resolved outside the workspace to ${t.file}`);
        else assert.ok(t.message.length > 0);
        tally.add(t.ok ? 'opened inside' : t.reason);
      }
      for (const file of ['src/ok.js', 'inside-link.js', `${ws}/src/../src/ok.js`]) {
        const t = resolveLocation({ file, line: 1 }, deps);
        assert.ok(t.ok && t.file === path.join(ws, 'src', 'ok.js'), `${file}: ${JSON.stringify(t)}`);
      }
      console.log(`      outcomes: ${tally}`);
      assert.equal(tally.get('opened inside'), 0, 'no hostile path opens a file');
      figure('Span source paths', 'hostile paths / refused / missing / opened', `${hostile.length} / ${tally.get('refused')} / ${tally.get('missing')} / ${tally.get('opened inside')}`);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
