import * as assert from 'node:assert/strict';
import { guessLevel } from '../../shared/logLevel';

describe('log level guessing', () => {
  it('reads JSON level fields, including pino numbers', () => {
    assert.equal(guessLevel('{"level":"error","msg":"x"}', 'stdout'), 'error');
    assert.equal(guessLevel('{"level":40,"msg":"x"}', 'stdout'), 'warn');
    assert.equal(guessLevel('{"severity":"DEBUG"}', 'stderr'), 'debug');
  });

  it('reads a leading level word', () => {
    assert.equal(guessLevel('ERROR something broke', 'stdout'), 'error');
    assert.equal(guessLevel('[12:00:01] WARN low disk', 'stdout'), 'warn');
    assert.equal(guessLevel('[info] listening', 'stderr'), 'info');
  });

  it('falls back to the stream', () => {
    assert.equal(guessLevel('plain text', 'stdout'), 'info');
    assert.equal(guessLevel('plain text', 'stderr'), 'warn');
    assert.equal(guessLevel('{not json', 'stdout'), 'info');
  });
});
