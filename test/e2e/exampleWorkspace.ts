/**
 * An e2e suite's workspace made from one of the repository's examples: a temp copy of the example
 * (without installed or built output), its own Runlens state dir, code-server on it and the
 * workbench in Chromium; `close` stops all of it, the servers the daemon runs and the daemon, and
 * removes the temp dirs (the state dir holds builds with their node_modules).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Context } from 'mocha';
import { REPO_ROOT, openWorkbench, startCodeServer, type CodeServer, type Workbench } from './codeServer';
import { printLogsIfFailed, tearDown } from './failureLogs';

/** Folders never copied from an example: installed dependencies and build output. */
const SKIP = /[\\/](node_modules|dist|\.mastra)$/;

export class ExampleWorkspace {
  readonly workspace: string;
  readonly home: string;
  server: CodeServer | undefined;
  workbench: Workbench | undefined;

  /** Copies examples/<example> into a temp folder named after `prefix`. */
  constructor(example: string, prefix: string) {
    // The real path: the extension and the daemon report resolved paths.
    this.workspace = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `runlens-e2e-${prefix}-`)));
    fs.cpSync(path.join(REPO_ROOT, 'examples', example), this.workspace, { recursive: true, filter: (src) => !SKIP.test(src) });
    this.home = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-e2e-home-'));
  }

  /** Starts code-server on the copy with `settings` and opens it in Chromium. */
  async open(settings: Record<string, unknown>): Promise<Workbench> {
    this.server = await startCodeServer({ workspace: this.workspace, runlensHome: this.home, settings });
    this.workbench = await openWorkbench(this.server.url, this.workspace);
    return this.workbench;
  }

  /** For `afterEach`. */
  printLogsIfFailed(ctx: Context): void {
    printLogsIfFailed(ctx, { server: this.server, workbench: this.workbench, home: this.home });
  }

  async close(): Promise<void> {
    await tearDown({ workbenches: [this.workbench], server: this.server, home: this.home, project: this.workspace, remove: [this.workspace, this.home] });
  }
}
