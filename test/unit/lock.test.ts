import * as assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireLock, readLock, releaseLock, type LockRecord } from '../../daemon/lock';
import { currentIdentity, processStartTime } from '../../shared/node/processInfo';

function tempLock(): { lock: string; guard: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-lock-'));
  return { lock: path.join(dir, 'daemon.lock'), guard: path.join(dir, 'daemon.lock.guard') };
}

const me = (): LockRecord => ({ ...currentIdentity(), version: 'test', acquiredAt: Date.now() });

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = child_process.spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('daemon lock', () => {
  it('is taken when free and records who holds it', async () => {
    const { lock, guard } = tempLock();
    const out = await acquireLock(lock, guard, me());
    assert.equal(out.acquired, true);
    const rec = readLock(lock);
    assert.ok(typeof rec === 'object');
    assert.equal(rec.pid, process.pid);
    assert.equal(rec.startTime, processStartTime(process.pid));
  });

  it('is refused while its holder lives', async () => {
    const { lock, guard } = tempLock();
    await acquireLock(lock, guard, me());
    const out = await acquireLock(lock, guard, { ...me(), pid: process.pid + 1_000_000 });
    assert.equal(out.acquired, false);
    assert.equal(!out.acquired && out.holder.pid, process.pid);
  });

  it('takes over a lock whose holder died, and says so', async () => {
    const { lock, guard } = tempLock();
    const dead = deadPid();
    fs.writeFileSync(lock, JSON.stringify({ pid: dead, version: 'old', acquiredAt: 0 }));
    const out = await acquireLock(lock, guard, me());
    assert.equal(out.acquired, true);
    assert.equal(out.acquired && typeof out.staleHolder === 'object' && out.staleHolder.pid, dead);
  });

  it('treats a recycled pid (same pid, other start time) as stale', async () => {
    const { lock, guard } = tempLock();
    const id = currentIdentity();
    fs.writeFileSync(lock, JSON.stringify({ pid: id.pid, startTime: (id.startTime ?? 0) + 12345, version: 'old', acquiredAt: 0 }));
    const out = await acquireLock(lock, guard, me());
    assert.equal(out.acquired, true);
  });

  it('takes over a damaged lock file', async () => {
    const { lock, guard } = tempLock();
    fs.writeFileSync(lock, '{"pid": 12');
    const out = await acquireLock(lock, guard, me());
    assert.equal(out.acquired, true);
    assert.equal(out.acquired && out.staleHolder, 'unreadable');
  });

  it('is released only by its holder', async () => {
    const { lock, guard } = tempLock();
    await acquireLock(lock, guard, me());
    releaseLock(lock, { pid: process.pid + 1 });
    assert.ok(fs.existsSync(lock), 'someone else released our lock');
    releaseLock(lock, currentIdentity());
    assert.ok(!fs.existsSync(lock));
  });
});
