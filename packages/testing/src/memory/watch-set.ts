import type { Clock, Unsubscribe } from '@election/core/adapter';
import type { Network } from './network.js';
import { Watch } from './watch.js';

export interface WatchSetOptions {
  readonly clock: Clock;
  readonly network: Network;
  readonly node: string;
  readonly onListenerError: (error: unknown) => void;
}

/** The open watches of one session: opened together, resynchronised together, closed together. */
export class WatchSet {
  readonly #open = new Map<Unsubscribe, Watch<unknown>>();

  readonly #options: WatchSetOptions;

  constructor(options: WatchSetOptions) {
    this.#options = options;
  }

  /** `register` hands the watch to the server (which starts it); `current` is its resync event. */
  add<E>(
    listener: (event: E) => void,
    register: (watch: Watch<E>) => Unsubscribe,
    current: () => E,
  ): Unsubscribe {
    const watch = new Watch<E>({ ...this.#options, listener, current });
    const unregister = register(watch);
    const unsubscribe = () => {
      unregister();
      this.#open.delete(unsubscribe);
    };
    this.#open.set(unsubscribe, watch as Watch<unknown>);
    return unsubscribe;
  }

  resyncAll(): void {
    for (const watch of this.#open.values()) watch.resync();
  }

  closeAll(): void {
    for (const unsubscribe of [...this.#open.keys()]) unsubscribe();
  }
}
