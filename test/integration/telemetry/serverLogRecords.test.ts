/**
 * Server output reaches the telemetry stores through the built daemon: the file tailer, the
 * `lines` blocks appended to the segments, the local store's worker and the ClickHouse feeder
 * each reading the segments and expanding the blocks into log records. Real daemon, real server
 * process, real worker thread, real ClickHouse.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { orClosed } from '../../../shared/node/rpcClient';
import { ServersStartRequest, ServersStopRequest } from '../../../shared/protocol/servers';
import { SearchLogsRequest } from '../../../shared/protocol/telemetry';
import type { SearchLogsParams } from '../../../shared/telemetry/query';
import { clickHouseAvailable, startClickHouse, type ClickHouseServer } from '../clickhouseServer';
import { cliJson, connectClient, stopAll, tempHome, waitFor } from '../helpers';
import { useClickHouse } from './mastraLines';

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
  this.timeout(120_000);
  let home: string;
  let project: string;
  let c: MessageConnection | undefined;
  let ch: ClickHouseServer | undefined;

  before(async () => {
    if (!clickHouseAvailable()) throw new Error('clickhouse-server is not installed; run scripts/setup.sh (this test needs a real ClickHouse)');
    ch = await startClickHouse();
    home = tempHome('rl-srvlogs-');
    useClickHouse(home, ch.url, 'srvlogs');
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
    await ch?.dispose();
    fs.rmSync(path.dirname(home), { recursive: true, force: true });
  });

  it('stores every line once in each store, with the source, stream level and JSON level', async () => {
    const [server] = (await orClosed(c!, c!.sendRequest(ServersStartRequest, { project }))).servers;
    const serverId = server!.id;
    for (const backend of ['local', 'clickhouse'] as const) {
      const search = (p: Omit<SearchLogsParams, 'limit'> & { limit?: number }) => orClosed(c!, c!.sendRequest(SearchLogsRequest, { limit: 100, ...p, backend }));
      const count = async (): Promise<number> => {
        let n = 0;
        let cursor: string | undefined;
        do {
          const page = await search({ serverId, source: 'server', limit: 1000, cursor });
          n += page.items.length;
          cursor = page.nextCursor;
        } while (cursor);
        return n;
      };
      await waitFor(`all ${LINES + 2} lines in the ${backend} store`, async () => (await count()) >= LINES + 2 || undefined, 60_000);
      assert.equal(await count(), LINES + 2, `${backend}: each line stored once`);
      const json = (await search({ serverId, text: 'json says error' })).items;
      assert.equal(json.length, 1, backend);
      assert.equal(json[0]!.level, 'error', backend);
      const stderr = (await search({ serverId, text: 'careful on stderr' })).items;
      assert.equal(stderr[0]?.level, 'warn', backend);
      assert.equal(stderr[0]?.attributes?.['log.iostream'], 'stderr', backend);
      const last = (await search({ serverId, text: `plain line ${LINES}` })).items;
      assert.ok(last.some((l) => l.message === `plain line ${LINES}` && l.source === 'server' && l.id.endsWith(`:stdout:${LINES}`)), backend);
    }
  });
});
