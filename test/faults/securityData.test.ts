/**
 * Security review, data side (docs/security.md): a server run with an env file holding secrets,
 * while the ClickHouse store is configured with a password ClickHouse refuses (so the daemon logs
 * store errors over and over), leaves neither value anywhere in the state dir: logs, segments,
 * quarantine, state files, the local store, build records. And a build copies no symlink that
 * leads out of the project, nor anything it points to.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { orClosed } from '../../shared/node/rpcClient';
import { BuildStartRequest } from '../../shared/protocol/builds';
import { ServersStartRequest, ServersStopRequest } from '../../shared/protocol/servers';
import { TelemetryConfigureRequest } from '../../shared/protocol';
import { npmProject, waitForBuild } from '../integration/buildHelpers';
import { clickHouseAvailable, startClickHouse, type ClickHouseServer } from '../integration/clickhouseServer';
import { runCli, waitFor } from '../integration/helpers';
import { serverNamed } from '../integration/serverHelpers';
import { figure } from './figures';
import { startLiveDaemon, type LiveDaemon } from './liveDaemon';

const ENV_SECRET = 'envfile-secret-7f3a9c1e';
const DB_SECRET = 'db-pass-Q2xv9Zk0';
const CH_PASSWORD = 'clickhouse-pw-Hk93jdA0';
const SECRETS = [ENV_SECRET, DB_SECRET, CH_PASSWORD];

/** Every file under `dir` whose bytes contain one of `needles` (as text or base64), with which. */
function filesHolding(dir: string, needles: string[]): { hits: string[]; files: number; bytes: number } {
  const hits: string[] = [];
  let files = 0;
  let bytes = 0;
  const forms = needles.flatMap((n) => [Buffer.from(n), Buffer.from(Buffer.from(n).toString('base64').slice(0, 12))]);
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const buf = fs.readFileSync(p);
        files++;
        bytes += buf.length;
        for (const f of forms) if (buf.includes(f)) hits.push(`${path.relative(dir, p)} holds ${f.toString()}`);
      }
    }
  };
  walk(dir);
  return { hits, files, bytes };
}

const APP = `
const http = require('http');
if (!process.env.API_KEY || !process.env.DB_PASSWORD) { console.error('env file not applied'); process.exit(1); }
console.log('app up; key has ' + process.env.API_KEY.length + ' characters');
http.createServer((q, s) => { console.log(q.method + ' ' + q.url); s.end('ok'); }).listen(process.env.PORT);
`;

describe('security: data (real daemon, real server, real ClickHouse)', function () {
  this.timeout(300_000);
  let d: LiveDaemon;
  let ch: ClickHouseServer | undefined;
  const projects: string[] = [];

  before(async () => {
    if (!clickHouseAvailable()) throw new Error('clickhouse-server is not installed; run scripts/setup.sh');
    ch = await startClickHouse();
    d = await startLiveDaemon('rl-sec-data-');
  });
  after(async () => {
    // The secrets test stops the daemon itself; a leftover server is stopped by a fresh one.
    for (const project of projects) await runCli(['down', '--project', project], d.home);
    await d?.stop();
    await ch?.dispose();
    for (const project of projects) fs.rmSync(path.dirname(project), { recursive: true, force: true });
  });

  it('copies no symlink out of the project into a build, nor what it points to', async () => {
    const outside = fs.mkdtempSync(path.join(path.dirname(d.home), 'outside-'));
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'OUTSIDE-MARKER-5521\n');
    const project = npmProject({}, { 'index.js': 'console.log(1)\n', 'lib/real.js': 'module.exports = 1;\n' });
    projects.push(project);
    const links: [string, string][] = [
      ['to-outside-file.txt', path.join(outside, 'secret.txt')],
      ['to-outside-dir', outside],
      ['to-etc', '/etc'],
      ['lib/climb.txt', '../../outside-does-not-matter/../' + path.relative(path.dirname(project), path.join(outside, 'secret.txt'))],
      ['chain.txt', 'to-outside-file.txt'],
      ['lib/inside.js', 'real.js'],
      ['to-lib', 'lib'],
    ];
    for (const [at, target] of links) fs.symlinkSync(target, path.join(project, at));
    const { build } = await orClosed(d.client, d.client.sendRequest(BuildStartRequest, { project }));
    const done = await waitForBuild(d.client, build.id, 120_000);
    const app = done.dir;
    const copied: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isSymbolicLink()) {
          copied.push(path.relative(app, p));
          // A link to a link that was left out dangles: it leads nowhere, so not out either.
          const real = (() => { try { return fs.realpathSync(p); } catch { return app; } })();
          assert.ok(real === app || real.startsWith(app + path.sep), `${p} leads out of the build to ${real}`);
        } else if (e.isDirectory()) walk(p);
        else assert.ok(!fs.readFileSync(p, 'utf8').includes('OUTSIDE-MARKER'), `${p} holds a file from outside the project`);
      }
    };
    walk(app);
    const outward = ['to-outside-file.txt', 'to-outside-dir', 'to-etc', 'lib/climb.txt'];
    assert.ok(copied.includes('lib/inside.js') && copied.includes('to-lib'), `links inside the project are kept: ${copied.join(', ')}`);
    assert.deepEqual(copied.filter((c) => outward.includes(c)), [], 'no outward link is copied');
    const leftOut = done.warnings.filter((w) => /points outside the project/.test(w));
    assert.ok(outward.every((o) => leftOut.some((w) => w.includes(o))), done.warnings.join('\n'));
    figure('Build copies and symlinks', 'links in project / kept (inside) / left out with a warning / leading out', `${links.length} / ${copied.length} (${copied.sort().join(', ')}) / ${leftOut.length} / 0`);
  });

  // Last: it stops the daemon to make it flush everything it holds.
  it('writes no env-file secret and no ClickHouse password anywhere in the state dir', async () => {
    const project = npmProject({}, {
      'runlens.json': JSON.stringify({ servers: [{ name: 'secretive', start: 'node app.js', envFiles: ['.env'] }] }),
      '.env': `API_KEY=${ENV_SECRET}\nDB_PASSWORD="${DB_SECRET}"\n`,
      '.gitignore': '.env\n',
      'app.js': APP,
    });
    projects.push(project);
    await orClosed(d.client, d.client.sendRequest(TelemetryConfigureRequest, { backend: 'clickhouse', clickhouse: { url: ch!.url, user: 'default', password: CH_PASSWORD, database: 'sectest' } }));
    await orClosed(d.client, d.client.sendRequest(ServersStartRequest, { project }));
    const s = await serverNamed(d.client, 'secretive');
    assert.equal(s.status, 'running');
    for (let i = 0; i < 20; i++) await fetch(`http://127.0.0.1:${s.port}/req/${i}`);
    // ClickHouse refuses the password: the store fails and the daemon reports it.
    const error = await waitFor('the ClickHouse store error', async () => (await d.stats()).storeErrors.clickhouse, 60_000);
    console.log(`      store error: ${error.slice(0, 160)}`);
    assert.ok(!error.includes(CH_PASSWORD));
    await waitFor('the request lines in the log', () => fs.readFileSync(path.join(d.home, 'projects', s.projectId, 'runs', s.runId!, 'stdout.log'), 'utf8').includes('GET /req/19'), 60_000);
    // The CLI's views of the server (ps, logs) go through the daemon too.
    const cli = [await runCli(['ps', '--json'], d.home), await runCli(['logs', '--tail', '100', 'secretive'], d.home)];
    for (const r of cli) for (const secret of SECRETS) assert.ok(!`${r.stdout}${r.stderr}`.includes(secret), 'the CLI printed a secret');
    await orClosed(d.client, d.client.sendRequest(ServersStopRequest, { project }));
    // Stopping the daemon flushes the segments, the local store's snapshot and state files.
    await runCli(['daemon', 'stop'], d.home);
    const scan = filesHolding(d.home, SECRETS);
    assert.deepEqual(scan.hits, []);
    assert.ok(fs.readFileSync(path.join(d.home, 'daemon.log'), 'utf8').length > 0);
    figure('Secrets never written', 'state dir files / bytes scanned / holding a secret', `${scan.files} / ${scan.bytes} / ${scan.hits.length}`);
  });
});
