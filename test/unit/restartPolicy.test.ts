import * as assert from 'node:assert/strict';
import { decideRestart, DEFAULT_RESTART_POLICY as P } from '../../daemon/servers/restartPolicy';

const crash = { code: 1, signal: null };
const clean = { code: 0, signal: null };

describe('restart policy', () => {
  it('restarts a failure with backoff doubling from 1 s up to 30 s', () => {
    const big = { ...P, maxRestarts: 100 };
    const delays = [0, 1, 2, 3, 4, 5, 6].map((n) => {
      const d = decideRestart(big, crash, Array.from({ length: n }, () => 1000), 1000);
      return d.restart ? d.delayMs : -1;
    });
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('gives up after 5 restarts within 2 minutes, saying why', () => {
    const d = decideRestart(P, crash, [1, 2, 3, 4, 5], 10_000);
    assert.equal(d.restart, false);
    assert.match(!d.restart ? d.reason : '', /gave up after 5 restarts in 120 s/);
  });

  it('forgets restarts older than the window', () => {
    assert.equal(decideRestart(P, crash, [1, 2, 3, 4, 5], 200_000).restart, true);
  });

  it('on-failure leaves a clean exit alone; always restarts it; no never restarts', () => {
    assert.equal(decideRestart(P, clean, [], 0).restart, false);
    assert.equal(decideRestart({ ...P, mode: 'always' }, clean, [], 0).restart, true);
    assert.equal(decideRestart({ ...P, mode: 'no' }, crash, [], 0).restart, false);
    assert.equal(decideRestart(P, { code: null, signal: 'SIGSEGV' }, [], 0).restart, true);
  });
});
