/**
 * Entry of the worker thread that owns the local store. sql.js is WebAssembly on one thread: an
 * insert of a large batch, a query over a million spans or a snapshot of the whole database each
 * hold that thread for tens of milliseconds to seconds. Here they hold this worker, and the
 * daemon's event loop stays free for log streaming, health checks and clients. Protocol: the
 * parent posts `{ id, method, args }`, the worker answers `{ id, result }` or `{ id, error }`;
 * log lines travel as `{ log: level, message }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Level, Logger } from '../../log';
import { LocalStore, type LocalStoreOptions } from './localStore';

export type StoreWorkerData = Omit<LocalStoreOptions, 'log'>;

export interface StoreCall {
  id: number;
  method: string;
  args: unknown[];
}

export type StoreReply = { id: number; result?: unknown; error?: string } | { log: Level; message: string } | { ready: true } | { failed: string };

function post(message: StoreReply): void {
  parentPort!.postMessage(message);
}

const log: Logger = {
  info: (message) => post({ log: 'info', message }),
  warn: (message) => post({ log: 'warn', message }),
  error: (message) => post({ log: 'error', message }),
};

async function main(): Promise<void> {
  let store: LocalStore;
  try {
    store = await LocalStore.open({ ...(workerData as StoreWorkerData), log });
  } catch (err) {
    post({ failed: (err as Error).message });
    return;
  }
  parentPort!.on('message', (call: StoreCall) => {
    const fn = (store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[call.method];
    if (typeof fn !== 'function') return post({ id: call.id, error: `the local store has no method '${call.method}'` });
    fn.apply(store, call.args).then(
      (result) => post({ id: call.id, result }),
      (err: unknown) => post({ id: call.id, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  post({ ready: true });
}

void main();
