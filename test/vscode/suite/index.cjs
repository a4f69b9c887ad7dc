// Runs inside the VS Code extension host (loaded by @vscode/test-electron).
const assert = require('node:assert/strict');
const Mocha = require('mocha');
const vscode = require('vscode');

async function waitFor(what, probe, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

exports.run = async function run() {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60000, color: true });
  mocha.suite.emit('pre-require', global, 'extension-host', mocha);

  describe('Runlens in the extension host', () => {
    it('activates in a workspace with a runlens.json', async () => {
      const ext = vscode.extensions.getExtension('runlens.runlens');
      assert.ok(ext, 'extension not found');
      await waitFor('activation', () => ext.isActive);
    });

    it('registers its commands', async () => {
      const all = await vscode.commands.getCommands(true);
      for (const id of ['runlens.showDaemonLog', 'runlens.restartDaemon']) assert.ok(all.includes(id), id);
    });

    it('opens the daemon log', async () => {
      await vscode.commands.executeCommand('runlens.restartDaemon');
      await vscode.commands.executeCommand('runlens.showDaemonLog');
      await waitFor('daemon.log editor', () => vscode.window.activeTextEditor?.document.fileName.endsWith('daemon.log'));
    });
  });

  await new Promise((resolve, reject) => mocha.run((failures) => (failures ? reject(new Error(`${failures} failed`)) : resolve())));
};
