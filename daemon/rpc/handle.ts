/**
 * Registers a request handler that turns bad params into JSON-RPC InvalidParams errors and any
 * other failure into an error whose message the client can show, instead of a bare internal error.
 */
import { ErrorCodes, ResponseError, type RequestType } from 'vscode-languageserver';
import { ParamError } from '../../shared/protocol/validate';
import type { ClientConnection } from './connection';
import type { Logger } from '../log';

export function handle<P, R>(
  conn: ClientConnection,
  log: Logger,
  type: RequestType<P, R, void>,
  handler: (params: unknown) => R | Promise<R>,
): void {
  const wrapped = async (params: unknown): Promise<R | ResponseError<void>> => {
    try {
      return await handler(params);
    } catch (err) {
      if (err instanceof ParamError) return new ResponseError(ErrorCodes.InvalidParams, `${type.method}: ${err.message}`);
      if (err instanceof ResponseError) return err;
      const message = err instanceof Error ? err.message : String(err);
      log.error(`${type.method} failed for connection ${conn.info.id}: ${err instanceof Error ? err.stack : message}`);
      return new ResponseError(ErrorCodes.InternalError, `${type.method} failed: ${message}`);
    }
  };
  // The typed overload cannot see through the generic result here; the method comes from `type`.
  conn.rpc.onRequest(type.method, wrapped);
}
