/**
 * Server output reaches the telemetry store through the built daemon: the file tailer, the log
 * records appended to the segments, and the local store's worker reading and parsing the segments
 * itself. Real daemon, real server process, real worker thread.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { orClosed } from '../../../shared/node/rpcClient';
import { ServersStartRequest, ServersStopRequest } from '../../../shared/protocol/servers';
import { SearchLogsRequest } from '../../../shared/protocol/telemetry';
import { cliJson, connectClient, stopAll, tempHome, waitFor } from '../helpers';

const LINES = 3000;

// Plain lines, one JSON line with a level, one stderr line; then it answers /health.
const APP = `
const http = require('node:http');
let out = '';
for (let i = 1; i <= ${LINES}; i++) out += 'plain line ' + i + '\\n';
out += JSON.stringify({ level: 'error', msg: 'json says error' }) + '\\n';
process.stdout.write(out);
process.stderr.write('careful on stderr\\n');
http.createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
`;

describe('server log lines as telemetry records (built daemon)', function () {
  this.timeout(90_000);
  let home: string;
  let project: string;
  let c: MessageConnection | undefined;

  before(async () => {
    home = tempHome('rl-srvlogs-');
    project = path.join(path.dirname(home), 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'app.js'), APP);
    fs.writeFileSync(path.join(project, 'package.json'), '{"name":"srvlogs","version":"1.0.0","private":true}\n');
    fs.writeFileSync(path.join(project, 'runlens.json'), JSON.stringify({ servers: [{ name: 'app', start: 'node app.js', health: { path: '/' }, restart: 'never' }] }));
    await cliJson(['daemon', 'start'], home);
    c = await connectClient(home, 'srvlogs');
  });

  after(async () => {
    // Servers outlive the daemon: stop them before it.
    if (c) await orClosed(c, c.sendRequest(ServersStopRequest, { project })).catch(() => undefined);
    c?.dispose();
    await stopAll(home);
    fs.rmSync(path.dirname(home), { recursive: true, force: true });
  });

  it('stores every line once, with the source, stream level and JSON level', async () => {
    const [server] = (await orClosed(c!, c!.sendRequest(ServersStartRequest, { project }))).servers;
    const serverId = server!.id;
    const count = async (): Promise<number> => {
      let n = 0;
      let cursor: string | undefined;
      do {
        const page = await orClosed(c!, c!.sendRequest(SearchLogsRequest, { serverId, source: 'server', limit: 1000, cursor }));
        n += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      return n;
    };
    await waitFor(`all ${LINES + 2} lines in the store`, async () => (await count()) >= LINES + 2 || undefined, 60_000);
    assert.equal(await count(), LINES + 2, 'each line stored once');
    const json = (await orClosed(c!, c!.sendRequest(SearchLogsRequest, { serverId, text: 'json says error' }))).items;
    assert.equal(json.length, 1);
    assert.equal(json[0]!.level, 'error');
    const stderr = (await orClosed(c!, c!.sendRequest(SearchLogsRequest, { serverId, text: 'careful on stderr' }))).items;
    assert.equal(stderr[0]?.level, 'warn');
    assert.equal(stderr[0]?.attributes?.['log.iostream'], 'stderr');
    const last = (await orClosed(c!, c!.sendRequest(SearchLogsRequest, { serverId, text: `plain line ${LINES}` }))).items;
    assert.ok(last.some((l) => l.message === `plain line ${LINES}` && l.source === 'server'));
  });
});
