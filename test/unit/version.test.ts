import * as assert from 'node:assert/strict';
import { compareBuilds, compareVersions } from '../../shared/version';

describe('version ordering', () => {
  it('compares versions numerically, not as text', () => {
    assert.equal(compareVersions('0.10.0', '0.9.9'), 1);
    assert.equal(compareVersions('1.0.0', '1.0.0'), 0);
    assert.equal(compareVersions('1.0', '1.0.1'), -1);
  });

  it('sorts a pre-release before its release', () => {
    assert.equal(compareVersions('1.0.0-beta.1', '1.0.0'), -1);
    assert.equal(compareVersions('1.0.0', '1.0.0-rc.1'), 1);
  });

  it('orders builds by protocol, then version, then build time', () => {
    const base = { protocolVersion: 1, version: '0.1.0', build: 100 };
    assert.equal(compareBuilds({ ...base, protocolVersion: 2, version: '0.0.1' }, base), 1);
    assert.equal(compareBuilds({ ...base, version: '0.2.0', build: 1 }, base), 1);
    assert.equal(compareBuilds({ ...base, build: 101 }, base), 1);
    assert.equal(compareBuilds(base, { ...base }), 0);
    assert.equal(compareBuilds({ ...base, build: 99 }, base), -1);
  });
});
