/** Handlers for the `logs` area: pages of lines, and batched streams with back-pressure. */
import {
  LogLinesNotification,
  LogsGetRequest,
  LogsSubscribeRequest,
  LogsUnsubscribeRequest,
} from '../../shared/protocol/logs';
import { asObject, optNumber, optString, reqNumber, reqString } from '../../shared/protocol/validate';
import type { Logger } from '../log';
import { Subscriber } from '../logs/subscriber';
import type { Supervisor } from '../servers/supervisor';
import type { ClientConnection } from './connection';
import { handle } from './handle';

export function logsArea(supervisor: Supervisor, log: Logger) {
  const serverLog = (id: string) => {
    const server = supervisor.get(id);
    if (!server) throw new Error(`no server '${id}'; 'runlens ps' lists the servers`);
    return server.log;
  };

  return (conn: ClientConnection): void => {
    const subscriptions = new Map<number, () => void>();
    let nextId = 1;

    handle(conn, log, LogsGetRequest, (raw) => {
      const p = asObject(raw);
      const serverId = reqString(p, 'serverId', 512);
      return serverLog(serverId).get({
        serverId,
        tail: optNumber(p, 'tail'),
        since: optNumber(p, 'since'),
        before: optNumber(p, 'before'),
        limit: optNumber(p, 'limit'),
        grep: optString(p, 'grep', 1024),
      });
    });

    handle(conn, log, LogsSubscribeRequest, (raw) => {
      const p = asObject(raw);
      const serverId = reqString(p, 'serverId', 512);
      const source = serverLog(serverId);
      const subscriptionId = nextId++;
      const sub = new Subscriber({
        paused: true,
        send: (lines, skipped) =>
          conn.rpc.sendNotification(LogLinesNotification, { subscriptionId, serverId, lines, skipped: skipped || undefined }),
      });
      const tail = optNumber(p, 'tail') ?? 0;
      const since = optNumber(p, 'since');
      // Backlog first, then live lines, in order; nothing is sent before this reply gives the id.
      if (since !== undefined) sub.push(source.get({ serverId, since, limit: 10_000 }).lines);
      else if (tail > 0) sub.push(source.get({ serverId, tail }).lines);
      const off = source.onLines((lines) => sub.push(lines));
      setImmediate(() => sub.resume());
      subscriptions.set(subscriptionId, () => {
        off();
        sub.close();
      });
      return { subscriptionId };
    });

    handle(conn, log, LogsUnsubscribeRequest, (raw) => {
      const id = reqNumber(asObject(raw), 'subscriptionId');
      subscriptions.get(id)?.();
      subscriptions.delete(id);
    });

    conn.onClose(() => {
      for (const dispose of subscriptions.values()) dispose();
      subscriptions.clear();
    });
  };
}
