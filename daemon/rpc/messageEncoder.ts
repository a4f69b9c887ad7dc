/**
 * How the daemon encodes the JSON-RPC messages it sends. Everything goes through JSON.stringify,
 * as vscode-jsonrpc's own encoder does, except `logs/lines` notifications: a batch of up to 2,000
 * lines became one large string of joined pieces that Buffer.from had to flatten and encode, about
 * a tenth of the daemon's time while streaming a flood. Those are written line by line into a
 * reused buffer (see JsonBytes) and copied out, since the writer keeps the bytes until the socket
 * has taken them.
 */
import type { ContentTypeEncoder, Message, NotificationMessage } from 'vscode-jsonrpc/node';
import { LogLinesNotification, type LogLine, type LogLinesParams } from '../../shared/protocol/logs';
import { JsonBytes } from '../jsonBytes';

export function daemonMessageEncoder(): ContentTypeEncoder {
  const out = new JsonBytes();
  return {
    name: 'application/json',
    encode(msg: Message): Promise<Uint8Array> {
      try {
        if (!isLogLines(msg)) return Promise.resolve(Buffer.from(JSON.stringify(msg), 'utf8'));
        out.reset();
        writeLogLines(out, msg.params);
        return Promise.resolve(Buffer.from(out.view()));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    },
  };
}

function isLogLines(msg: Message): msg is NotificationMessage & { params: LogLinesParams } {
  const m = msg as Partial<NotificationMessage>;
  return m.method === LogLinesNotification.method && typeof m.params === 'object' && m.params !== null && Array.isArray((m.params as Partial<LogLinesParams>).lines);
}

/** The notification as JSON.stringify would write it (absent optional fields left out). */
export function writeLogLines(out: JsonBytes, p: LogLinesParams): void {
  out.raw(`{"jsonrpc":"2.0","method":${JSON.stringify(LogLinesNotification.method)},"params":{"subscriptionId":${JSON.stringify(p.subscriptionId)},"serverId":${JSON.stringify(p.serverId)}`);
  if (p.skipped !== undefined) out.raw(`,"skipped":${JSON.stringify(p.skipped)}`);
  out.raw(',"lines":[');
  // A batch's lines mostly share their run: its JSON is made once.
  let runId: string | undefined;
  let runJson = '';
  p.lines.forEach((l: LogLine, i) => {
    if (l.runId !== runId) {
      runId = l.runId;
      runJson = JSON.stringify(l.runId);
    }
    out.raw(`${i > 0 ? ',' : ''}{"seq":${JSON.stringify(l.seq)},"time":${JSON.stringify(l.time)},"stream":${JSON.stringify(l.stream)},"runId":${runJson}`);
    if (l.partial !== undefined) out.raw(`,"partial":${JSON.stringify(l.partial)}`);
    if (l.line !== undefined) out.raw(`,"line":${JSON.stringify(l.line)}`);
    out.raw(',"text":').string(l.text).byte(0x7d);
  });
  out.raw(']}}');
}
