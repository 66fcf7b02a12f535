import { BackendUnavailableError } from '../errors.js';
import type { ErrorMapper } from './adapter-error.js';

export interface RequestsInFlightOptions {
  /** The adapter's error source. */
  readonly source: string;
  /** What the backend is called in messages: "Consul membership backend". */
  readonly what: string;
  /** Maps a failed request to the adapter's ElectionError (its createErrorMapper). */
  readonly toElectionError: ErrorMapper;
}

/**
 * The requests a backend's client has in flight, each cancellable: by the caller's signal, and
 * all at once when the last use of the client ends (`cancelAll`, from ClientLifecycle.release: a
 * request still waiting, such as a blocking query or a LISTEN, would otherwise keep the process
 * alive on its socket) or for good (`close`). Every failure becomes the adapter's ElectionError;
 * the caller's abort is rethrown as it is.
 */
export class RequestsInFlight {
  readonly #options: RequestsInFlightOptions;
  readonly #cancels = new Set<AbortController>();
  #closed = false;

  constructor(options: RequestsInFlightOptions) {
    this.#options = options;
  }

  /**
   * Runs one request: `work` gets a signal that aborts when the caller's `signal` does or the
   * request is cancelled; it must stop the request then. `action` reads after "Could not …".
   */
  async run<T>(action: string, signal: AbortSignal | undefined, work: (cancel: AbortSignal) => Promise<T>) {
    signal?.throwIfAborted();
    const { source, what } = this.#options;
    if (this.#closed)
      throw new BackendUnavailableError(`Could not ${action}: this ${what} was closed.`, { source });
    const cancel = new AbortController();
    const onAbort = () => cancel.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#cancels.add(cancel);
    try {
      return await work(cancel.signal);
    } catch (error) {
      signal?.throwIfAborted();
      if (!this.#cancels.has(cancel)) {
        throw new BackendUnavailableError(
          `Could not ${action}: cancelled, the last use of this ${what} ended.`,
          {
            source,
          },
        );
      }
      throw this.#options.toElectionError(error, action);
    } finally {
      this.#cancels.delete(cancel);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Cancels every request in flight (the last use of the client ended). Later requests run. */
  cancelAll(): void {
    const pending = [...this.#cancels];
    this.#cancels.clear();
    for (const cancel of pending) cancel.abort();
  }

  /** cancelAll(), for good: later requests fail. */
  close(): void {
    this.#closed = true;
    this.cancelAll();
  }
}
