/** The shared query suite against the local store and a real ClickHouse server. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalStore } from '../../../daemon/stores/local/localStore';
import { ClickHouseStore } from '../../../daemon/stores/clickhouse/clickhouseStore';
import { SegmentWriter, segmentName } from '../../../daemon/telemetry/segments';
import { clickHouseAvailable, startClickHouse, type ClickHouseServer } from '../clickhouseServer';
import { storeQuerySuite } from './storeSuite';

const quiet = { info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };

storeQuerySuite('local', () => LocalStore.open({ log: quiet }));

/**
 * The local store as the daemon feeds it: span records stay in the segments and the store keeps
 * references to their lines. Each batch is appended to real segments first.
 */
storeQuerySuite('local (spans indexed in segments)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-seg-suite-'));
  const writer = new SegmentWriter(dir, 4096); // small segments: references cross files
  const store = await LocalStore.open({ log: quiet, segmentsDir: dir });
  const insert = store.insert.bind(store);
  store.insert = (batch, checkpoint) => {
    const spanRefs = batch.spans.map((s) => {
      const before = writer.position();
      const after = writer.append([s]);
      // A rotation after this line starts the next segment; the line stays where it was written.
      return { segment: before.segment, offset: before.offset, bytes: (after.segment === before.segment ? after.offset : fs.statSync(path.join(dir, segmentName(before.segment))).size) - before.offset - 1 };
    });
    return insert({ ...batch, spanRefs }, checkpoint);
  };
  return store;
});

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
