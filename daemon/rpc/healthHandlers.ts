/** Handlers for the `health` area: check results on request, changes and samples as notifications. */
import { HealthDidChangeNotification, HealthResultsRequest } from '../../shared/protocol/health';
import { asObject, reqString } from '../../shared/protocol/validate';
import type { Logger } from '../log';
import type { Supervisor } from '../servers/supervisor';
import type { ClientConnection } from './connection';
import { handle } from './handle';

export function healthArea(supervisor: Supervisor, log: Logger) {
  return (conn: ClientConnection): void => {
    handle(conn, log, HealthResultsRequest, (raw) => {
      const serverId = reqString(asObject(raw), 'serverId', 512);
      return { results: [...supervisor.health.results(serverId)] };
    });
    const off = supervisor.onHealth((params) => {
      if (!conn.closed) void conn.rpc.sendNotification(HealthDidChangeNotification, params).catch(() => undefined);
    });
    conn.onClose(off);
  };
}
