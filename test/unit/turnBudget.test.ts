/**
 * The budget that shares the event loop between log tailers, on the real loop: work past a
 * slice's budget waits for a later turn, in order, and timers run in between.
 */
import * as assert from 'node:assert/strict';
import { TurnBudget } from '../../daemon/logs/turnBudget';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Holds the loop the way splitting a large block of lines does.
  }
}

/** Resolves once every piece handed to `turns` has run, checking once per turn of the loop. */
function allRun(turns: TurnBudget): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => (turns.pending === 0 ? resolve() : void setImmediate(check));
    check();
  });
}

describe('turn budget', () => {
  it('runs work at once while the slice has budget left', () => {
    const turns = new TurnBudget(50);
    const done: number[] = [];
    for (let i = 0; i < 3; i++) turns.run(() => done.push(i));
    assert.deepEqual(done, [0, 1, 2]);
    assert.equal(turns.pending, 0);
  });

  it('lets a timer run between pieces of a backlog, and keeps their order', async () => {
    const turns = new TurnBudget(8);
    const done: number[] = [];
    let doneWhenTimerRan = -1;
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        doneWhenTimerRan = done.length;
        resolve();
      }, 0),
    );
    // 20 reads of 5 ms each completing together: 100 ms of work handed over in one go.
    for (let i = 0; i < 20; i++) turns.run(() => {
      busy(5);
      done.push(i);
    });
    assert.ok(turns.pending > 0, 'past the budget, work waits');
    await timer;
    await allRun(turns);
    assert.deepEqual(done, Array.from({ length: 20 }, (_, i) => i), 'every piece ran, in order');
    assert.ok(doneWhenTimerRan >= 1 && doneWhenTimerRan < 20, `the timer ran after ${doneWhenTimerRan} of 20 pieces`);
  });

  it('runs a piece handed over while others wait after them, not before', async () => {
    const turns = new TurnBudget(1);
    const done: string[] = [];
    turns.run(() => busy(3));
    turns.run(() => done.push('first'));
    turns.run(() => done.push('second'));
    await allRun(turns);
    assert.deepEqual(done, ['first', 'second']);
  });
});
