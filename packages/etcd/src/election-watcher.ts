import {
  type Clock,
  createBackoff,
  type HolderListener,
  Listeners,
  type LockHolder,
  type Logger,
  type MembershipEvent,
  type Unsubscribe,
} from '@election/core/adapter';
import type { Etcd3, IEvent, IKeyValue } from 'etcd3';
import type { ElectionView } from './election-view.js';
import { toElectionError, within } from './errors.js';
import { type KeyLayout, prefixRange } from './keys.js';
import { WatchStream } from './watch-stream.js';

export interface ElectionWatcherOptions {
  readonly client: Etcd3;
  readonly layout: KeyLayout;
  readonly view: ElectionView;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly requestTimeoutMs: number;
  /** The view was rebuilt or changed; the session checks its own registration here. */
  readonly onChange: () => void;
  readonly onError: (error: Error) => void;
}

/**
 * Keeps an ElectionView current: watches the election's keys from the revision after the last
 * range, and on any trouble (disconnect, etcd restart, a watch etcd cancels after a compaction, a
 * watch that never connects) drops the watch, ranges again and watches from the revision after
 * that range. Listeners then get a fresh snapshot, so no change is lost or applied twice.
 * etcd3 would resume a disconnected watch by itself, but not one cancelled by a compaction, and
 * it never tells which changes it missed; one resync path covers every case. The watch runs on
 * its own stream (see WatchStream).
 */
export class ElectionWatcher {
  readonly #memberListeners: Listeners<MembershipEvent>;
  /** Holder events with the revision the view is at (the event's, or the resync range's). */
  readonly #holderListeners: Listeners<{ readonly holder: LockHolder; readonly revision: bigint }>;
  readonly #backoff = createBackoff({ initialMs: 100, maxMs: 1000 });
  #watch: WatchStream | undefined;
  #stopped = false;
  #cancelTimer: () => void = () => {};
  #cancelConnectTimer: () => void = () => {};

  readonly #options: ElectionWatcherOptions;

  constructor(options: ElectionWatcherOptions) {
    this.#options = options;
    this.#memberListeners = new Listeners(options.logger, 'membership');
    this.#holderListeners = new Listeners(options.logger, 'lock holder');
  }

  /** Starts watching after a range (or a join transaction) that saw everything up to `revision`. */
  start(revision: bigint): void {
    this.#openWatch(revision + 1n);
  }

  stop(): void {
    this.#stopped = true;
    this.#cancelTimer();
    this.#dropWatch();
    this.#memberListeners.clear();
    this.#holderListeners.clear();
  }

  watchMembers(listener: (event: MembershipEvent) => void): Unsubscribe {
    const unsubscribe = this.#memberListeners.add(listener);
    listener({ type: 'snapshot', members: this.#options.view.members() });
    return unsubscribe;
  }

  watchHolder(listener: HolderListener): Unsubscribe {
    const unsubscribe = this.#holderListeners.add(({ holder, revision }) => listener(holder, revision));
    listener(this.#options.view.holder, this.#options.view.upToRevision);
    return unsubscribe;
  }

  #emitHolder(): void {
    const { view } = this.#options;
    this.#holderListeners.emit({ holder: view.holder, revision: view.upToRevision });
  }

  #openWatch(startRevision: bigint): void {
    if (this.#stopped) return;
    const { client, layout, requestTimeoutMs, clock } = this.#options;
    const watch: WatchStream = new WatchStream(client, layout.root, startRevision, {
      onCreated: () => {
        this.#cancelConnectTimer();
        this.#backoff.reset();
      },
      onEvents: (events) => this.#onEvents(watch, events),
      onFailure: (error) => this.#recover(watch, error),
    });
    this.#watch = watch;
    this.#cancelConnectTimer = clock.setTimer(() => {
      this.#recover(watch, new Error(`the watch was not confirmed within ${requestTimeoutMs} ms`));
    }, requestTimeoutMs);
    void watch.open();
  }

  #onEvents(watch: WatchStream, events: readonly IEvent[]): void {
    if (watch !== this.#watch || this.#stopped) return;
    try {
      for (const event of events) {
        const change = this.#options.view.apply(event.type, event.kv);
        if (change.memberEvent !== undefined) this.#memberListeners.emit(change.memberEvent);
        if (change.holderChanged) this.#emitHolder();
      }
      this.#options.onChange();
    } catch (error) {
      // Thrown inside a grpc stream callback it would be uncaught; start over from a clean range.
      this.#recover(watch, error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Drops a failed watch (once) and resynchronises after a jittered delay. */
  #recover(watch: WatchStream, cause: Error): void {
    if (watch !== this.#watch || this.#stopped) return;
    this.#dropWatch();
    const delay = this.#backoff.next();
    const error = toElectionError(cause, 'keep watching the election keys', delay);
    this.#options.logger.debug({ err: error }, 'watch dropped; resynchronising');
    this.#options.onError(error);
    this.#scheduleResync(delay);
  }

  #dropWatch(): void {
    const watch = this.#watch;
    this.#watch = undefined;
    this.#cancelConnectTimer();
    watch?.close();
  }

  #scheduleResync(delay = this.#backoff.next()): void {
    this.#cancelTimer();
    this.#cancelTimer = this.#options.clock.setTimer(() => {
      void this.#resync();
    }, delay);
  }

  async #resync(): Promise<void> {
    if (this.#stopped) return;
    const { client, layout, view, requestTimeoutMs } = this.#options;
    let kvs: IKeyValue[];
    let revision: bigint;
    try {
      const response = await client.kv.range(prefixRange(layout.root), within(requestTimeoutMs));
      kvs = response.kvs;
      revision = BigInt(response.header.revision);
    } catch (error) {
      if (this.#stopped) return;
      const delay = this.#backoff.next();
      this.#options.onError(toElectionError(error, 'read the election keys', delay));
      this.#scheduleResync(delay);
      return;
    }
    if (this.#stopped) return;
    view.replace(kvs, revision);
    this.#memberListeners.emit({ type: 'snapshot', members: view.members() });
    // Even an unchanged holder: at the range's revision it tells core that a holding of its own
    // the watch never showed (taken and deleted while the watch was down) is gone.
    this.#emitHolder();
    this.#options.onChange();
    this.#openWatch(revision + 1n);
  }
}
