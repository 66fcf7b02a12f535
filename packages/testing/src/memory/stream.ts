import type { Clock, FeedChange, FeedSnapshot, Unsubscribe } from '@election/core/adapter';
import type { Network } from './network.js';
import type { MemoryServer } from './server.js';

/** What the server sends one node: the snapshot its read asked for, then each change after it. */
export type StreamItem = { readonly snapshot: FeedSnapshot } | { readonly change: FeedChange };

/** Who takes the stream's items now: the read (the snapshot), then the feed's follow (changes). */
export interface StreamConsumer {
  item(item: StreamItem): void;
  /** The stream broke: an item was dropped on the way to a cut-off node. */
  fail(error: Error): void;
}

interface InFlight {
  readonly item: StreamItem;
  readonly due: number;
}

/**
 * The server's stream to one node, opened by a read: the snapshot of that moment first, then every
 * change the server makes, each no sooner than the node's delay on the clock (cluster.delay()),
 * never overtaking an earlier one, and never inside the call that caused it (a microtask later
 * without a delay). An item sent to, or arriving at, a cut-off node is dropped and the stream breaks
 * (its consumer's `fail`, on a microtask): the node reads afresh once healed, as a client's watch
 * reconnects. Items wait while nobody consumes them (between the read and the follow).
 */
export class NodeStream {
  readonly #inFlight: InFlight[] = [];
  readonly #unsubscribe: Unsubscribe[];
  #latestDue = Number.NEGATIVE_INFINITY;
  #scheduled: Unsubscribe | undefined;
  #consumer: StreamConsumer | undefined;
  #failure: Error | undefined;
  #closed = false;

  readonly #clock: Clock;
  readonly #network: Network;
  readonly #node: string;
  readonly #signal: AbortSignal;
  /** The feed stopped: the stream closes, and a read still waiting for its snapshot rejects. */
  readonly #onAbort = () => {
    const consumer = this.#consumer;
    this.close();
    consumer?.fail(this.#signal.reason);
  };

  constructor(server: MemoryServer, network: Network, clock: Clock, node: string, signal: AbortSignal) {
    this.#clock = clock;
    this.#network = network;
    this.#node = node;
    this.#signal = signal;
    signal.addEventListener('abort', this.#onAbort, { once: true });
    const close = () => this.close();
    // The server's revision is each change's own: the server pushes right after the write.
    this.#unsubscribe = [
      server.watchMembers({
        start: () => undefined,
        push: (member) =>
          member.type !== 'snapshot' && this.#push({ change: { member, revision: server.revision() } }),
        close,
      }),
      server.watchHolder({ start: () => undefined, push: (state) => this.#push({ change: state }), close }),
    ];
    this.#push({
      snapshot: { members: server.members(), holder: server.holder(), revision: server.revision() },
    });
  }

  /** Hands the items to `consumer` from now on (undefined: they wait). */
  consume(consumer: StreamConsumer | undefined): void {
    this.#consumer = consumer;
    const failure = this.#failure;
    if (consumer !== undefined && failure !== undefined) queueMicrotask(() => this.#fail(failure));
    else this.#schedule();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#inFlight.length = 0;
    this.#scheduled?.();
    this.#scheduled = undefined;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  #push(item: StreamItem): void {
    if (this.#closed || this.#failure !== undefined) return;
    if (!this.#network.reachable(this.#node)) {
      this.#break();
      return;
    }
    const due = Math.max(this.#clock.now() + this.#network.deliveryDelay(this.#node), this.#latestDue);
    this.#latestDue = due;
    this.#inFlight.push({ item, due });
    this.#schedule();
  }

  #break(): void {
    const failure = this.#network.unreachable(this.#node, 'watch');
    this.#failure = failure;
    this.#inFlight.length = 0;
    queueMicrotask(() => this.#fail(failure));
  }

  #fail(failure: Error): void {
    if (!this.#closed) this.#consumer?.fail(failure);
  }

  #schedule(): void {
    const head = this.#inFlight[0];
    if (this.#scheduled !== undefined || head === undefined || this.#consumer === undefined) return;
    const wait = head.due - this.#clock.now();
    if (wait > 0) {
      this.#scheduled = this.#clock.setTimer(() => this.#deliverDue(), wait);
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
    for (
      let head = this.#inFlight[0];
      head !== undefined && head.due <= this.#clock.now() && this.#consumer !== undefined;
      head = this.#inFlight[0]
    ) {
      if (this.#closed || this.#failure !== undefined) return;
      if (!this.#network.reachable(this.#node)) {
        this.#break();
        return;
      }
      this.#inFlight.shift();
      this.#consumer.item(head.item);
    }
    this.#schedule();
  }
}
