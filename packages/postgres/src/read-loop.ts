import { type Clock, createBackoff } from '@election/core/adapter';

export interface ReadLoopOptions<S> {
  readonly clock: Clock;
  /** One read of the whole state. */
  read(): Promise<S>;
  /** A read's result, while the loop runs. */
  publish(state: S): void;
  /** When to read again after `state`, ms. */
  nextIn(state: S): number;
  /** A read failed; the loop reads again in `retryInMs` (capped, jittered backoff). */
  onError(error: unknown, retryInMs: number): void;
}

/**
 * Generic (to be replaced by the adapter skeleton's election feed): re-reads of a whole state, one
 * at a time. `refresh()` reads now (a notification, a write of ours); a refresh during a read
 * makes one more read after it. Between reads a timer reads again after `nextIn`, or after the
 * backoff when a read failed. `stop()` ends it: no timer is left and no result is published.
 */
export class ReadLoop<S> {
  readonly #options: ReadLoopOptions<S>;
  readonly #backoff = createBackoff({ initialMs: 100, maxMs: 2000 });
  #reading = false;
  #again = false;
  #stopped = false;
  #cancelTimer = () => {};

  constructor(options: ReadLoopOptions<S>, first: S) {
    this.#options = options;
    this.#schedule(options.nextIn(first));
  }

  refresh(): void {
    if (this.#stopped) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = true;
    this.#cancelTimer();
    void this.#read().finally(() => {
      this.#reading = false;
      if (this.#again) {
        this.#again = false;
        this.refresh();
      }
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#cancelTimer();
  }

  async #read(): Promise<void> {
    const { read, publish, nextIn, onError } = this.#options;
    try {
      const state = await read();
      if (this.#stopped) return;
      this.#backoff.reset();
      publish(state);
      this.#schedule(nextIn(state));
    } catch (error) {
      if (this.#stopped) return;
      const delay = this.#backoff.next();
      onError(error, delay);
      this.#schedule(delay);
    }
  }

  #schedule(delay: number): void {
    this.#cancelTimer = this.#options.clock.setTimer(() => this.refresh(), delay);
  }
}
