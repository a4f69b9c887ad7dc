/**
 * The hole-punching helper: real files, the real `fallocate` through one helper shell. Where the
 * temp filesystem cannot punch holes the first test says so and checks the error instead.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HolePuncher } from '../../daemon/logs/holePuncher';

describe('HolePuncher', () => {
  let dir: string;
  let puncher: HolePuncher;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-holes-'));
    puncher = new HolePuncher();
  });
  afterEach(() => {
    puncher.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('frees the head of several files, answering each request in order, offsets kept', async () => {
    const files = [0, 1, 2].map((i) => path.join(dir, `run ${i}.log`));
    for (const f of files) fs.writeFileSync(f, Buffer.alloc(1024 * 1024, 0x61));
    const results = await Promise.allSettled(files.map((f, i) => puncher.punch(f, (i + 1) * 256 * 1024)));
    if (results[0]!.status === 'rejected') {
      console.warn(`      (this filesystem cannot punch holes: ${String(results[0]!.reason)})`);
      assert.match(String(results[0]!.reason), /fallocate|supported/i);
      return;
    }
    for (const [i, f] of files.entries()) {
      const bytes = fs.readFileSync(f);
      assert.equal(bytes.length, 1024 * 1024, 'the size stays');
      const cut = (i + 1) * 256 * 1024;
      assert.equal(bytes.subarray(0, cut).every((b) => b === 0), true, 'the head reads as zeros');
      assert.equal(bytes.subarray(cut).every((b) => b === 0x61), true, 'the rest is untouched');
      assert.ok(fs.statSync(f).blocks * 512 <= 1024 * 1024 - cut + 64 * 1024, `blocks ${fs.statSync(f).blocks}`);
    }
  });

  it("rejects with fallocate's message for a missing file, and keeps serving", async () => {
    await assert.rejects(puncher.punch(path.join(dir, 'missing.log'), 4096), /missing\.log|No such file/);
    const f = path.join(dir, 'ok.log');
    fs.writeFileSync(f, Buffer.alloc(64 * 1024, 0x62));
    await puncher.punch(f, 4096).catch((err: Error) => assert.match(err.message, /support/i));
  });

  it('leaves no helper process once disposed', async () => {
    const f = path.join(dir, 'a.log');
    fs.writeFileSync(f, Buffer.alloc(8192, 0x63));
    await puncher.punch(f, 4096).catch(() => undefined);
    const helper = (puncher as unknown as { child?: { pid?: number } }).child?.pid;
    assert.ok(helper, 'a helper ran');
    puncher.dispose();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && fs.existsSync(`/proc/${helper}`) && !fs.readFileSync(`/proc/${helper}/stat`, 'utf8').includes(') Z')) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const alive = fs.existsSync(`/proc/${helper}`) && !fs.readFileSync(`/proc/${helper}/stat`, 'utf8').includes(') Z');
    assert.equal(alive, false, 'the helper exited when its stdin closed');
  });
});
