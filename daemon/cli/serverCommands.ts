/** `runlens up|down|restart|ps|logs`: the servers of the project in the current folder. */
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { orClosed } from '../../shared/node/rpcClient';
import { LogLinesNotification, LogsGetRequest, LogsSubscribeRequest, type LogLine } from '../../shared/protocol/logs';
import {
  ServersListRequest,
  ServersRestartRequest,
  ServersStartRequest,
  ServersStopRequest,
  type ServerInfo,
} from '../../shared/protocol/servers';
import { stripAnsi } from '../../shared/ansi';
import { Exit, UsageError, type ParsedArgs } from './args';
import { attachOrStart } from './connect';
import { formatBytes, formatDuration, type Output } from './output';

export interface ServerCommandContext {
  home: string;
  args: ParsedArgs;
  out: Output;
}

export async function serverCommand(verb: string, ctx: ServerCommandContext): Promise<number> {
  const project = path.resolve(ctx.args.values.get('--project') ?? process.cwd());
  const names = ctx.args.positionals.slice(1);
  const { connection } = await attachOrStart(ctx.home, `runlens ${verb} (cli pid ${process.pid})`);
  try {
    switch (verb) {
      case 'up':
      case 'restart':
        return await upOrRestart(connection, verb, project, names, ctx);
      case 'down':
        return await down(connection, project, names, ctx);
      case 'ps':
        return await ps(connection, ctx);
      case 'logs':
        return await logs(connection, project, names, ctx);
      default:
        throw new UsageError(`unknown command '${verb}'`);
    }
  } finally {
    if (verb !== 'logs' || !ctx.args.flags.has('--follow')) connection.dispose();
  }
}

async function eachServer(names: string[], run: (server?: string) => Promise<ServerInfo[]>): Promise<ServerInfo[]> {
  if (names.length === 0) return run();
  const all: ServerInfo[] = [];
  for (const name of names) all.push(...(await run(name)));
  return all;
}

async function upOrRestart(c: MessageConnection, verb: string, project: string, names: string[], ctx: ServerCommandContext): Promise<number> {
  const type = verb === 'up' ? ServersStartRequest : ServersRestartRequest;
  const rebuild = ctx.args.flags.has('--build');
  const servers = await eachServer(names, async (server) =>
    (await orClosed(c, c.sendRequest(type, { project, server, rebuild }))).servers);
  ctx.out.result({ servers }, table(servers));
  return servers.every((s) => s.status === 'running' || s.status === 'starting') ? Exit.ok : Exit.failure;
}

async function down(c: MessageConnection, project: string, names: string[], ctx: ServerCommandContext): Promise<number> {
  const servers = await eachServer(names, async (server) =>
    (await orClosed(c, c.sendRequest(ServersStopRequest, { project, server }))).servers);
  ctx.out.result({ servers }, table(servers));
  return Exit.ok;
}

async function ps(c: MessageConnection, ctx: ServerCommandContext): Promise<number> {
  const { servers } = await orClosed(c, c.sendRequest(ServersListRequest, {}));
  ctx.out.result({ servers }, servers.length ? table(servers) : 'No servers. Start one with `runlens up` in a project folder.');
  return Exit.ok;
}

function table(servers: ServerInfo[]): string {
  const rows = servers.map((s) => [
    s.name, s.status, s.pid ? String(s.pid) : '-', s.port ? String(s.port) : '-',
    s.startedAt && s.pid ? formatDuration(Date.now() - s.startedAt) : '-', String(s.restartCount),
    s.rssBytes ? formatBytes(s.rssBytes) : '-', s.reason ?? '',
  ]);
  const head = ['NAME', 'STATUS', 'PID', 'PORT', 'UPTIME', 'RESTARTS', 'MEMORY', 'NOTE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

async function resolveServerId(c: MessageConnection, project: string, name: string): Promise<string> {
  const { servers } = await orClosed(c, c.sendRequest(ServersListRequest, {}));
  const match = servers.find((s) => s.id === name) ?? servers.find((s) => s.name === name && s.projectDir === project) ?? servers.find((s) => s.name === name);
  if (!match) throw new Error(`no server '${name}'; 'runlens ps' lists the servers`);
  return match.id;
}

async function logs(c: MessageConnection, project: string, names: string[], ctx: ServerCommandContext): Promise<number> {
  if (names.length !== 1) throw new UsageError('usage: runlens logs [-f] [--since <seq>] [--grep <text>] [--tail <n>] <server>');
  const serverId = await resolveServerId(c, project, names[0]!);
  const grep = ctx.args.values.get('--grep');
  const since = ctx.args.values.has('--since') ? Number(ctx.args.values.get('--since')) : undefined;
  const tail = Number(ctx.args.values.get('--tail') ?? 200);
  const page = await orClosed(c, c.sendRequest(LogsGetRequest, { serverId, grep, since, tail, limit: tail }));
  const color = process.stdout.isTTY === true && !ctx.out.json;
  if (ctx.out.json && !ctx.args.flags.has('--follow')) {
    ctx.out.result(page, '');
    return Exit.ok;
  }
  const print = (lines: readonly LogLine[]) => {
    for (const l of lines) process.stdout.write(formatLine(l, color, ctx.out.json) + '\n');
  };
  print(page.lines);
  if (!ctx.args.flags.has('--follow')) return Exit.ok;
  const needle = grep?.toLowerCase();
  c.onNotification(LogLinesNotification, (batch) => {
    if (batch.skipped) process.stderr.write(`… ${batch.skipped} lines skipped (still in the log files) …\n`);
    print(needle ? batch.lines.filter((l) => stripAnsi(l.text).toLowerCase().includes(needle)) : batch.lines);
  });
  await orClosed(c, c.sendRequest(LogsSubscribeRequest, { serverId }));
  // Follow until interrupted or the daemon goes away.
  await new Promise<void>((resolve) => c.onClose(() => resolve()));
  process.stderr.write('runlens: the daemon closed the log stream\n');
  return Exit.failure;
}

function formatLine(l: LogLine, color: boolean, json: boolean): string {
  if (json) return JSON.stringify(l);
  const text = color ? l.text : stripAnsi(l.text);
  if (l.stream === 'stderr') return color ? `\u001b[31m│\u001b[0m ${text}` : `stderr| ${text}`;
  if (l.stream === 'system') return color ? `\u001b[2m${text}\u001b[0m` : text;
  return text;
}
