/** The shared query suite against the local store and a real ClickHouse server. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalStore } from '../../../daemon/stores/local/localStore';
import { ClickHouseStore } from '../../../daemon/stores/clickhouse/clickhouseStore';
import { clickHouseAvailable, startClickHouse, type ClickHouseServer } from '../clickhouseServer';
import { storeQuerySuite } from './storeSuite';

const quiet = { info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };

storeQuerySuite('local', () => LocalStore.open({ log: quiet }));

describe('clickhouse', function () {
  let server: ClickHouseServer | undefined;
  before(async function () {
    if (!clickHouseAvailable()) throw new Error('clickhouse-server is not installed; run scripts/setup.sh');
    this.timeout(60_000);
    server = await startClickHouse();
  });
  after(async () => server?.dispose());

  storeQuerySuite('clickhouse', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-chs-'));
    return new ClickHouseStore({ url: server!.url, database: 'suite', stateDir, log: quiet });
  });
});
