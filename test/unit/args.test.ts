import * as assert from 'node:assert/strict';
import { parseArgs, UsageError } from '../../daemon/cli/args';

describe('CLI arguments', () => {
  it('separates positionals, flags and valued options', () => {
    const a = parseArgs(['daemon', 'status', '--json', '--home', '/x', '-f']);
    assert.deepEqual(a.positionals, ['daemon', 'status']);
    assert.ok(a.flags.has('--json') && a.flags.has('--follow'));
    assert.equal(a.values.get('--home'), '/x');
  });

  it('accepts --key=value and stops at --', () => {
    const a = parseArgs(['--home=/y', 'logs', '--', '--not-a-flag']);
    assert.equal(a.values.get('--home'), '/y');
    assert.deepEqual(a.positionals, ['logs', '--not-a-flag']);
  });

  it('says which option lacks its value', () => {
    assert.throws(() => parseArgs(['--home']), (e: unknown) => e instanceof UsageError && /--home needs a value/.test(e.message));
  });
});
