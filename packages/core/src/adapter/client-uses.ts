/**
 * What keeps a backend's own client open: electors' uses (`retain()`), live sessions, and work in
 * flight (a join, a leave's or a revocation's requests). Each holds once; when the last hold ends,
 * `onIdle` runs, and the adapter closes the client it opened itself (never a caller's). The next
 * use opens it again. One counter for every adapter, so "idle" means the same everywhere.
 */
export class ClientUses {
  readonly #onIdle: () => void;
  #holds = 0;

  constructor(onIdle: () => void) {
    this.#onIdle = onIdle;
  }

  /** Nothing holds the client. */
  get idle(): boolean {
    return this.#holds === 0;
  }

  /** One hold until the returned function is called; calling it again does nothing. */
  hold(): () => void {
    this.#holds++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#holds--;
      if (this.#holds === 0) this.#onIdle();
    };
  }

  /** Holds while `work` is in flight. */
  during<T>(work: Promise<T>): Promise<T> {
    return work.finally(this.hold());
  }
}
