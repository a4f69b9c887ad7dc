/**
 * Renders the real panel HTML (extension/panels/panelHtml.ts) outside VS Code. The `vscode` module
 * exists only inside the editor, so the two things panelHtml uses from it (`Uri.joinPath` and a
 * webview's `asWebviewUri`/`cspSource`) are stood in for here: a plain-mocha suite cannot run the
 * editor. The HTML, CSP and nonce are produced by the product code itself.
 */
import Module from 'node:module';
import * as path from 'node:path';

interface FakeUri {
  path: string;
  toString(): string;
}

const uri = (p: string): FakeUri => ({ path: p, toString: () => `vscode-resource://ext${p}` });
const STAND_IN = path.join(__dirname, '__vscode_stand_in__.js');

function installStandIn(): void {
  const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = loader._resolveFilename;
  loader._resolveFilename = (request, ...rest) => (request === 'vscode' ? STAND_IN : resolve(request, ...rest));
  const standIn = new Module(STAND_IN);
  standIn.filename = STAND_IN;
  standIn.loaded = true;
  standIn.exports = { Uri: { joinPath: (base: FakeUri, ...parts: string[]) => uri(path.posix.join(base.path, ...parts)) } };
  require.cache[STAND_IN] = standIn;
}

export function renderPanelHtml(panel: 'traces' | 'metrics'): string {
  if (!require.cache[STAND_IN]) installStandIn();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the stand-in is in place
  const { panelHtml } = require('../../extension/panels/panelHtml') as typeof import('../../extension/panels/panelHtml');
  const webview = { cspSource: 'vscode-resource://ext', asWebviewUri: (u: FakeUri) => u };
  return panelHtml(webview as never, uri('/ext') as never, panel, `Runlens ${panel}`);
}
