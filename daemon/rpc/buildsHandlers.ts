/** Handlers for the `builds` area: start, list, get, cancel, logs, and live subscriptions. */
import * as path from 'node:path';
import { ErrorCodes, ResponseError } from 'vscode-languageserver';
import {
  BuildCancelRequest,
  BuildChangedNotification,
  BuildGetRequest,
  BuildListRequest,
  BuildLogNotification,
  BuildLogsRequest,
  BuildStartRequest,
  BuildSubscribeRequest,
  BuildUnsubscribeRequest,
  type BuildSubscribeParams,
} from '../../shared/protocol';
import { asObject, optNumber, optString, ParamError, reqNumber, reqString } from '../../shared/protocol/validate';
import { BuildRequestError, type BuildService } from '../builds/service';
import { projectIdFor } from '../projects/project';
import type { Logger } from '../log';
import { BuildStream } from './buildStream';
import type { ClientConnection } from './connection';
import { handle } from './handle';

export function registerBuildHandlers(conn: ClientConnection, builds: BuildService, log: Logger): void {
  const subscriptions = new Map<number, () => void>();
  let nextSubscription = 1;
  conn.onClose(() => {
    for (const dispose of subscriptions.values()) dispose();
    subscriptions.clear();
  });

  const subscribe = (filter: BuildSubscribeParams): number => {
    const id = nextSubscription++;
    const stream = new BuildStream(
      (item) =>
        item.kind === 'changed'
          ? conn.rpc.sendNotification(BuildChangedNotification, { subscriptionId: id, build: item.build })
          : conn.rpc.sendNotification(BuildLogNotification, {
              subscriptionId: id,
              buildId: item.buildId,
              projectId: item.projectId,
              lines: item.lines,
              ...(item.dropped ? { dropped: item.dropped } : {}),
            }),
      (err) => log.warn(`connection ${conn.info.id}: build subscription ${id} stopped: ${(err as Error)?.message ?? String(err)}`),
    );
    const unsubscribe = builds.subscribe(filter, (e) => stream.push(e));
    subscriptions.set(id, () => {
      unsubscribe();
      stream.close();
    });
    return id;
  };

  handle(conn, log, BuildStartRequest, (raw) => userErrors(async () => {
    const p = asObject(raw);
    const project = absolute(p, 'project');
    const timeoutMs = optNumber(p, 'timeoutMs');
    if (timeoutMs !== undefined && timeoutMs < 100) throw new ParamError('timeoutMs', 'at least 100');
    // A follower is subscribed as soon as the build has an id, before it is queued, so it sees every change and line.
    let subscriptionId: number | undefined;
    const beforeQueue = p.follow === true ? (buildId: string) => (subscriptionId = subscribe({ buildId })) : undefined;
    const build = await builds.start(project, { timeoutMs, beforeQueue });
    return subscriptionId === undefined ? { build } : { build, subscriptionId };
  }));

  handle(conn, log, BuildListRequest, (raw) => {
    const p = asObject(raw);
    const project = p.project === undefined ? undefined : absolute(p, 'project');
    const projectId = optString(p, 'projectId', 64) ?? (project ? projectIdFor(project) : undefined);
    return { builds: builds.list({ projectId }) };
  });

  handle(conn, log, BuildGetRequest, (raw) => userErrors(() => ({ build: builds.get(reqString(asObject(raw), 'buildId', 128)) })));

  handle(conn, log, BuildCancelRequest, (raw) => userErrors(async () => ({ build: await builds.cancel(reqString(asObject(raw), 'buildId', 128)) })));

  handle(conn, log, BuildLogsRequest, (raw) => userErrors(async () => {
    const p = asObject(raw);
    const tail = optNumber(p, 'tail');
    if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new ParamError('tail', 'a whole number of at least 0');
    return { lines: await builds.logs(reqString(p, 'buildId', 128), { tail, since: optNumber(p, 'since') }) };
  }));

  handle(conn, log, BuildSubscribeRequest, (raw) => {
    const p = asObject(raw);
    return { subscriptionId: subscribe({ buildId: optString(p, 'buildId', 128), projectId: optString(p, 'projectId', 64) }) };
  });

  handle(conn, log, BuildUnsubscribeRequest, (raw) => {
    const id = reqNumber(asObject(raw), 'subscriptionId');
    subscriptions.get(id)?.();
    subscriptions.delete(id);
    return {};
  });
}

/** Turns the service's "you asked for something that cannot be" errors into messages for the user. */
async function userErrors<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof BuildRequestError) throw new ResponseError(ErrorCodes.InvalidParams, err.message);
    throw err;
  }
}

function absolute(p: Record<string, unknown>, field: string): string {
  const value = reqString(p, field);
  if (!path.isAbsolute(value)) throw new ParamError(field, 'an absolute path');
  return path.resolve(value);
}
