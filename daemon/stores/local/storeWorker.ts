/**
 * Entry of the worker thread that owns the local store. sql.js is WebAssembly on one thread: an
 * insert of a large batch, a query over a million spans or a snapshot of the whole database each
 * hold that thread for tens of milliseconds to seconds. Here they hold this worker, and the
 * daemon's event loop stays free for log streaming, health checks and clients. Protocol: the
 * parent posts `{ id, method, args }`, the worker answers `{ id, result }` or `{ id, error }`;
 * log lines travel as `{ log: level, message }`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { Level, Logger } from '../../log';
import type { Checkpoint } from '../../../shared/telemetry/query';
import { loadBatch } from '../../telemetry/feeder';
import { ReadScratch } from '../../telemetry/segments';
import type { QuarantineEntry } from '../../telemetry/quarantine';
import { LocalStore, type LocalStoreOptions } from './localStore';

export type StoreWorkerData = Omit<LocalStoreOptions, 'log'>;

export interface StoreCall {
  id: number;
  method: string;
  args: unknown[];
}

export interface FedBatch {
  next: Checkpoint;
  bad: QuarantineEntry[];
}

/** Reads, parses and inserts the batch at `from` here, off the daemon's thread. */
async function feedFrom(store: LocalStore, scratch: ReadScratch, segmentsDir: string, from: Checkpoint, maxBytes: number): Promise<FedBatch> {
  const b = loadBatch(segmentsDir, from, maxBytes, scratch);
  if (b.next.segment !== from.segment || b.next.offset !== from.offset) await store.insert(b.batch, b.next);
  return { next: b.next, bad: b.bad };
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

/** How much lower than the event loop this thread runs (a nice value; 19 is the lowest). */
const WORKER_NICENESS = 10;

/**
 * Indexing is background work: the segments hold whatever the store has not taken yet. When the
 * CPU is short (two cores, a server flooding its log), the event loop that streams lines to
 * clients and answers them should win, so this thread gives way. On Linux a thread has its own
 * nice value, set through its thread id; elsewhere the thread keeps the process's priority.
 */
function lowerThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    const tid = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
    os.setPriority(tid, Math.max(os.getPriority(tid), WORKER_NICENESS));
  } catch (err) {
    log.info(`the local store keeps the daemon's CPU priority: ${(err as Error).message}`);
  }
}

async function main(): Promise<void> {
  lowerThreadPriority();
  let store: LocalStore;
  try {
    store = await LocalStore.open({ ...(workerData as StoreWorkerData), log });
  } catch (err) {
    post({ failed: (err as Error).message });
    return;
  }
  const scratch = new ReadScratch();
  parentPort!.on('message', (call: StoreCall) => {
    type Method = (...args: unknown[]) => Promise<unknown>;
    const fn = call.method === 'feedFrom' ? (feedFrom.bind(undefined, store, scratch) as Method) : (store as unknown as Record<string, Method | undefined>)[call.method];
    if (typeof fn !== 'function') return post({ id: call.id, error: `the local store has no method '${call.method}'` });
    fn.apply(store, call.args).then(
      (result) => post({ id: call.id, result }),
      (err: unknown) => post({ id: call.id, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  post({ ready: true });
}

void main();
