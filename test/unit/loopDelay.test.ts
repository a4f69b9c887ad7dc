/**
 * The event loop delay windows `daemon/status` reports: a loop held busy shows up (in its window,
 * or also the next when the hold spans the switch), and a quiet window later does not carry it.
 */
import * as assert from 'node:assert/strict';
import { LoopDelayMonitor } from '../../daemon/loopDelay';

type Window = NonNullable<ReturnType<LoopDelayMonitor['lastWindow']>>;

async function nextWindow(m: LoopDelayMonitor, after: number | undefined): Promise<Window> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const w = m.lastWindow();
    if (w && w.endMs !== after) return w;
    if (Date.now() > deadline) throw new Error('no new window within 5 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function hold(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: the delay being measured
  }
}

describe('event loop delay windows', () => {
  it('reports a held loop, also one held right as a window ends, and a quiet window after it', async () => {
    const m = new LoopDelayMonitor(400);
    try {
      assert.equal(m.lastWindow(), undefined, 'no complete window yet');
      let prev = await nextWindow(m, undefined);
      // Held at once when a window is seen, right after the switch: the case a reset histogram missed.
      for (let i = 0; i < 3; i++) {
        hold(150);
        const held = await nextWindow(m, prev.endMs);
        assert.equal(held.startMs, prev.endMs, 'windows follow on');
        assert.ok(held.maxMs >= 100 || (await nextWindow(m, held.endMs)).maxMs >= 100, `a 150 ms hold in round ${i} went unreported`);
        prev = m.lastWindow()!;
      }
      const quiet = await nextWindow(m, (await nextWindow(m, prev.endMs)).endMs);
      assert.ok(quiet.maxMs < 100, `quiet window max ${quiet.maxMs} ms`);
    } finally {
      m.dispose();
    }
  });
});
