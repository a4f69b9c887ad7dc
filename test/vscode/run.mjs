// `npm run test:vscode`: the extension-host assertions in desktop VS Code, for machines that can
// download VS Code (@vscode/test-electron fetches it). The e2e suite in code-server runs the same
// checks where no download is possible.
import { runTests } from '@vscode/test-electron';
import { mkdtempSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workspace = mkdtempSync(path.join(tmpdir(), 'rl-vscode-ws-'));
cpSync(path.join(repo, 'test/fixtures/workspaces/basic'), workspace, { recursive: true });

try {
  await runTests({
    extensionDevelopmentPath: repo,
    extensionTestsPath: path.join(repo, 'test/vscode/suite/index.cjs'),
    launchArgs: [workspace, '--disable-extensions'],
    extensionTestsEnv: { RUNLENS_HOME: mkdtempSync(path.join(tmpdir(), 'rl-vscode-home-')) },
  });
} catch (err) {
  console.error('VS Code tests failed:', err);
  process.exit(1);
}
