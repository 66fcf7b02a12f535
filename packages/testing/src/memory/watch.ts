import type { Clock, Unsubscribe } from '@election/core/adapter';
import type { Network } from './network.js';

export interface WatchOptions<E> {
  readonly clock: Clock;
  readonly network: Network;
  /** The watching node: its partition drops events, its delay holds them back. */
  readonly node: string;
  readonly listener: (event: E) => void;
  /** Where a listener that throws is reported (the session's onError), so nothing is swallowed. */
  readonly onListenerError: (error: unknown) => void;
  /** The event that brings a watcher up to date from nothing: a snapshot, the current holder. */
  readonly current: () => E;
}

interface InFlight<E> {
  readonly event: E;
  readonly due: number;
}

/**
 * One watch stream from the server to one node. Events arrive in the order they were sent, each
 * no sooner than its delay on the clock; events sent to (or arriving at) a partitioned node are
 * lost, and `resync()` (on heal) sends the current state afresh, as a real client does when its
 * watch reconnects. Without a delay, events still arrive asynchronously (a microtask later), never
 * inside the call that caused them, as with a real server.
 */
export class Watch<E> {
  readonly #inFlight: InFlight<E>[] = [];
  #latestDue = Number.NEGATIVE_INFINITY;
  #scheduled: Unsubscribe | undefined;
  #closed = false;

  readonly #options: WatchOptions<E>;

  constructor(options: WatchOptions<E>) {
    this.#options = options;
  }

  /** Opens the stream with the current state. */
  start(): this {
    this.resync();
    return this;
  }

  push(event: E): void {
    if (this.#closed || !this.#options.network.reachable(this.#options.node)) return;
    const { clock, network, node } = this.#options;
    // A later event never overtakes an earlier one, whatever delay each was given.
    const due = Math.max(clock.now() + network.deliveryDelay(node), this.#latestDue);
    this.#latestDue = due;
    this.#inFlight.push({ event, due });
    this.#schedule();
  }

  resync(): void {
    this.push(this.#options.current());
  }

  close(): void {
    this.#closed = true;
    this.#inFlight.length = 0;
    this.#scheduled?.();
    this.#scheduled = undefined;
  }

  #schedule(): void {
    const head = this.#inFlight[0];
    if (this.#scheduled !== undefined || head === undefined) return;
    const wait = head.due - this.#options.clock.now();
    if (wait > 0) {
      this.#scheduled = this.#options.clock.setTimer(() => this.#deliverDue(), wait);
      return;
    }
    let cancelled = false;
    this.#scheduled = () => {
      cancelled = true;
    };
    queueMicrotask(() => {
      if (!cancelled) this.#deliverDue();
    });
  }

  #deliverDue(): void {
    this.#scheduled = undefined;
    const { clock, network, node, listener } = this.#options;
    for (
      let head = this.#inFlight[0];
      head !== undefined && head.due <= clock.now();
      head = this.#inFlight[0]
    ) {
      this.#inFlight.shift();
      if (this.#closed) return;
      if (!network.reachable(node)) continue;
      try {
        listener(head.event);
      } catch (error) {
        this.#options.onListenerError(error);
      }
    }
    this.#schedule();
  }
}
