/**
 * The verify step: the files a build must leave behind exist. For a Mastra build that is
 * `.mastra/output/index.mjs`; for servers, each `output` listed in runlens.json and the script a
 * `node <script>` start command runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MASTRA_OUTPUT } from '../../shared/config/mastra';
import type { ServerConfig } from '../../shared/config/runlens';
import { say, StepFailure, type BuildContext } from './context';

interface Expected {
  file: string;
  why: string;
}

export async function verifyOutputs(ctx: BuildContext): Promise<void | 'skipped'> {
  const project = ctx.project!;
  const expected: Expected[] = [];
  if (project.kind === 'mastra') expected.push({ file: MASTRA_OUTPUT, why: 'mastra build writes it' });
  for (const server of project.servers) expected.push(...expectedFor(server));
  const unique = [...new Map(expected.map((e) => [path.normalize(e.file), e])).values()];
  if (unique.length === 0) {
    say(ctx, 'nothing to verify: no expected outputs are known for this project');
    return 'skipped';
  }
  const missing = unique.filter((e) => !fs.existsSync(path.join(ctx.appDir, e.file)));
  for (const e of unique) say(ctx, `${missing.includes(e) ? 'missing' : 'found  '} ${e.file} (${e.why})`);
  if (missing.length) {
    const list = missing.map((e) => `${e.file} (${e.why})`).join(', ');
    throw new StepFailure(`the build did not produce ${list}; check that the build writes there, or fix the path in runlens.json`);
  }
}

function expectedFor(server: ServerConfig): Expected[] {
  const cwd = server.cwd ?? '.';
  const out = (server.output ?? []).map((f) => ({ file: path.join(cwd, f), why: `output of server '${server.name}'` }));
  const script = nodeScript(server.start);
  if (script) out.push({ file: path.join(cwd, script), why: `server '${server.name}' starts it` });
  return out;
}

/** `node [--flags] dist/server.js …` → `dist/server.js`; undefined for anything more complex. */
export function nodeScript(start: string): string | undefined {
  if (/[|&;<>()$`"'\\]/.test(start)) return undefined;
  const words = start.trim().split(/\s+/);
  if (words[0] !== 'node' && !/[\\/]node(\.exe)?$/.test(words[0] ?? '')) return undefined;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('-')) {
      // Flags that take the next word as their value.
      if (['-r', '--require', '--import', '--loader', '--env-file'].includes(w)) i++;
      continue;
    }
    return path.isAbsolute(w) ? undefined : w;
  }
  return undefined;
}
