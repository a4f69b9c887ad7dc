import * as assert from 'node:assert/strict';
import { observabilityPath } from '../../daemon/telemetry/mastra/watcher';

describe('Mastra JSONL watcher paths', () => {
  const root = '/state/projects';
  it('descends only towards runs/<run>/observability inside Runlens projects', () => {
    for (const p of [root, `${root}/p1`, `${root}/p1/runs`, `${root}/p1/runs/r1`, `${root}/p1/runs/r1/observability`, `${root}/p1/runs/r1/observability/span/x/1.jsonl`]) {
      assert.equal(observabilityPath(root, p), true, p);
    }
    for (const p of [`${root}/p1/builds`, `${root}/p1/builds/b1/app/node_modules`, `${root}/p1/logs/web.index.jsonl`, `${root}/p1/runs/r1/stdout.log`]) {
      assert.equal(observabilityPath(root, p), false, p);
    }
  });

  it('leaves folders the user configured alone', () => {
    assert.equal(observabilityPath(root, '/home/me/app/.mastra/observability/span/a.jsonl'), true);
  });
});
