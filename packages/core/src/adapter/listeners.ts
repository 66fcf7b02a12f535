import type { Unsubscribe } from '../contracts/member.js';
import type { Logger } from '../logger.js';
import { errorForLog } from '../mask-error.js';

export interface ListenersOptions<T> {
  /**
   * Emit at most one value (a session's `onLost`). A listener added after it fired still hears it,
   * once, on a microtask (never inside `add()`), unless it unsubscribed first.
   */
  readonly once?: boolean;
  /**
   * Keep the latest value and hand it to each new listener at once (a snapshot first, then
   * changes). With this set, a value equal to the latest one is not emitted again.
   */
  readonly replay?: (a: T, b: T) => boolean;
}

/**
 * The one listener set every adapter uses. A listener that throws is logged and skipped: one bad
 * subscriber must not stop the others from hearing about a lost registration or a new leader, nor
 * break the timer or watch loop that emits. The same function added twice is two subscriptions.
 */
export class Listeners<T> {
  readonly #listeners = new Set<(value: T) => void>();
  readonly #logger: Logger;
  readonly #what: string;
  readonly #options: ListenersOptions<T>;
  #latest: { readonly value: T } | undefined;

  constructor(logger: Logger, what: string, options: ListenersOptions<T> = {}) {
    this.#logger = logger;
    this.#what = what;
    this.#options = options;
  }

  /** Whether a value was emitted (for `once`: whether it fired). */
  get emitted(): boolean {
    return this.#latest !== undefined;
  }

  /** The latest value emitted, if any. */
  get latest(): T | undefined {
    return this.#latest?.value;
  }

  get size(): number {
    return this.#listeners.size;
  }

  /**
   * Adds a listener. `first`, when given, is delivered to this listener alone, at once: the
   * snapshot a delta stream starts with (a listener that throws on it is logged, and stays).
   */
  add(listener: (value: T) => void, first?: { readonly value: T }): Unsubscribe {
    const entry = (value: T) => listener(value);
    const latest = this.#latest;
    if (this.#options.once && latest !== undefined) {
      let cancelled = false;
      queueMicrotask(() => {
        if (!cancelled) this.#deliver(entry, latest.value);
      });
      return () => {
        cancelled = true;
      };
    }
    this.#listeners.add(entry);
    if (first !== undefined) this.#deliver(entry, first.value);
    else if (this.#options.replay && latest !== undefined) this.#deliver(entry, latest.value);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** Delivers `value` to every listener. Returns false when nothing was emitted (once, or equal). */
  emit(value: T): boolean {
    const { once, replay } = this.#options;
    const latest = this.#latest;
    if (once && latest !== undefined) return false;
    if (replay && latest !== undefined && replay(latest.value, value)) return false;
    if (once || replay) this.#latest = { value };
    const current = [...this.#listeners];
    if (once) this.#listeners.clear();
    for (const listener of current) this.#deliver(listener, value);
    return true;
  }

  /** Drops every listener; later emits reach nobody. */
  clear(): void {
    this.#listeners.clear();
  }

  #deliver(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch (error) {
      this.#logger.error({ err: errorForLog(error) }, `a ${this.#what} listener threw; ignored`);
    }
  }
}
