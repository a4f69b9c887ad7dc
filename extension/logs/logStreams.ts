/**
 * Live log streams from the daemon, shared by output channels and terminals. One subscription per
 * server however many views show it; after a reconnect each stream resumes after the last line it
 * saw, so a view neither misses nor repeats lines across a daemon restart.
 */
import * as vscode from 'vscode';
import { LogLinesNotification, LogsGetRequest, LogsSubscribeRequest, LogsUnsubscribeRequest, type LogLine } from '../../shared/protocol/logs';
import type { DaemonClient } from '../daemonClient';
import { DisposableStore } from '../disposables';

export interface LogBatch {
  lines: readonly LogLine[];
  skipped: number;
}

type Listener = (batch: LogBatch) => void;

interface Stream {
  serverId: string;
  listeners: Set<Listener>;
  lastSeq: number | undefined;
  subscriptionId: number | undefined;
}

export class LogStreams implements vscode.Disposable {
  private readonly streams = new Map<string, Stream>();
  private readonly bySubscription = new Map<number, Stream>();
  private readonly scope = new DisposableStore();

  /** `backlog`: recent lines a view starts with; read on each subscribe, so a new value applies to the next view. */
  constructor(private readonly client: DaemonClient, private readonly backlog: () => number = () => 1000) {
    this.scope.add(client.onNotification(LogLinesNotification, (p) => this.deliver(p.subscriptionId, p.lines, p.skipped ?? 0)));
    this.scope.add(client.onDidChangeState((s) => {
      if (s.kind !== 'connected') return;
      // Subscriptions belonged to the old connection; open them again where each left off.
      this.bySubscription.clear();
      for (const stream of this.streams.values()) void this.subscribe(stream);
    }));
  }

  /** Calls `listener` with the recent backlog, then with every new batch, until disposed. */
  follow(serverId: string, listener: Listener): vscode.Disposable {
    let stream = this.streams.get(serverId);
    let added = listener;
    if (!stream) {
      stream = { serverId, listeners: new Set(), lastSeq: undefined, subscriptionId: undefined };
      this.streams.set(serverId, stream);
      void this.subscribe(stream);
    } else {
      // The stream already runs for another view: give this one the recent lines first.
      added = this.withBacklog(serverId, stream.lastSeq, listener);
    }
    stream.listeners.add(added);
    const s = stream;
    return {
      dispose: () => {
        s.listeners.delete(added);
        if (s.listeners.size > 0) return;
        this.streams.delete(serverId);
        if (s.subscriptionId === undefined) return;
        this.bySubscription.delete(s.subscriptionId);
        void this.client.request(LogsUnsubscribeRequest, { subscriptionId: s.subscriptionId }).catch(() => undefined);
      },
    };
  }

  dispose(): void {
    this.streams.clear();
    this.scope.dispose();
  }

  /** Holds live batches for `listener` until the backlog up to `upTo` has been delivered to it. */
  private withBacklog(serverId: string, upTo: number | undefined, listener: Listener): Listener {
    let held: LogBatch[] | undefined = [];
    const wrapped: Listener = (batch) => (held ? held.push(batch) : listener(batch));
    const release = (lines: readonly LogLine[]) => {
      const last = lines.at(-1)?.seq ?? -1;
      if (lines.length) listener({ lines, skipped: 0 });
      for (const b of held ?? []) listener({ lines: b.lines.filter((l) => l.seq > last), skipped: b.skipped });
      held = undefined;
    };
    if (upTo === undefined) release([]);
    else {
      this.client.request(LogsGetRequest, { serverId, tail: this.backlog(), before: upTo + 1 }).then(
        (page) => release(page.lines),
        () => release([]),
      );
    }
    return wrapped;
  }

  private async subscribe(stream: Stream): Promise<void> {
    try {
      const params = stream.lastSeq === undefined ? { serverId: stream.serverId, tail: this.backlog() } : { serverId: stream.serverId, since: stream.lastSeq };
      const { subscriptionId } = await this.client.request(LogsSubscribeRequest, params);
      if (!this.streams.has(stream.serverId)) return;
      stream.subscriptionId = subscriptionId;
      this.bySubscription.set(subscriptionId, stream);
    } catch (err) {
      this.deliverTo(stream, [], 0, `Runlens: cannot stream this server's log: ${(err as Error).message}`);
    }
  }

  private deliver(subscriptionId: number, lines: LogLine[], skipped: number): void {
    const stream = this.bySubscription.get(subscriptionId);
    if (stream) this.deliverTo(stream, lines, skipped);
  }

  private deliverTo(stream: Stream, lines: readonly LogLine[], skipped: number, note?: string): void {
    const last = lines.at(-1);
    if (last) stream.lastSeq = last.seq;
    const all = note ? [...lines, { seq: stream.lastSeq ?? 0, time: Date.now(), stream: 'system' as const, text: note, runId: '' }] : lines;
    for (const l of stream.listeners) l({ lines: all, skipped });
  }
}
