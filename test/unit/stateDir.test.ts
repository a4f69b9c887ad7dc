import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensurePrivateDir, resolveHome, statePaths } from '../../shared/node/stateDir';

describe('state directory', () => {
  it('prefers RUNLENS_HOME, then XDG_STATE_HOME, then ~/.runlens', () => {
    assert.equal(resolveHome({ RUNLENS_HOME: '/a/b', XDG_STATE_HOME: '/x' }, '/home/u'), '/a/b');
    assert.equal(resolveHome({ XDG_STATE_HOME: '/x' }, '/home/u'), '/x/runlens');
    assert.equal(resolveHome({}, '/home/u'), '/home/u/.runlens');
  });

  it('keeps the socket inside the state dir when the path fits', () => {
    assert.equal(statePaths('/home/u/.runlens', 'linux').socket, '/home/u/.runlens/daemon.sock');
  });

  it('moves the socket to a per-user /tmp dir when the state dir is too deep for a unix socket', () => {
    const deep = '/tmp/' + 'x'.repeat(120);
    const socket = statePaths(deep, 'linux').socket;
    assert.ok(Buffer.byteLength(socket) < 104, socket);
    assert.match(socket, /^\/tmp\/runlens-\d+\/[0-9a-f]{16}\.sock$/);
    assert.notEqual(statePaths(deep + 'y', 'linux').socket, socket, 'two homes must not share a socket');
  });

  it('uses a named pipe on Windows', () => {
    assert.match(statePaths('C:\\Users\\u\\.runlens', 'win32').socket, /^\\\\\.\\pipe\\runlens-[0-9a-f]{16}$/);
  });

  it('creates the dir 0700 and tightens a loose existing one', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-unit-')), 'home');
    ensurePrivateDir(dir);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    fs.chmodSync(dir, 0o755);
    ensurePrivateDir(dir);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
  });

  it('refuses a path that is a file, saying what to do', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-unit-')), 'f');
    fs.writeFileSync(file, '');
    assert.throws(() => ensurePrivateDir(file), /not a directory; remove it or set RUNLENS_HOME/);
  });
});
