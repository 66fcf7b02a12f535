import { LifecycleError } from '../errors.js';
import { ClientUses } from './client-uses.js';

/** How a backend gets its client, and gives it back. */
export interface ClientLifecycle<C> {
  /** The client to use: a new one when the adapter opens its own, else the caller's (or a lazy wrapper). */
  open(): C;
  /**
   * Nothing uses the client any more: close what the adapter opened itself, never a caller's.
   * Runs each time the last use ends; `client` is undefined when none was opened since the last
   * release (the uses were only requests in flight on a client a session kept).
   */
  release(client: C | undefined): void;
  /** The backend closes for good. Default: `release` of the open client, if any. */
  close?(client: C | undefined): void;
}

export interface BackendLifecycleOptions<C> {
  /** The adapter's error source (`etcd`, `consul`). */
  readonly source: string;
  /** What the backend is called in messages: "etcd membership backend". */
  readonly what: string;
  /**
   * The adapter's own message for a call on a closed backend (part of the API: it may name the
   * function that makes a new one). Default: "This <what> was closed; create a new one."
   */
  readonly closedMessage?: string;
  /** Absent for a backend without a client of its own (static, memory): sessions and close() only. */
  readonly client?: ClientLifecycle<C>;
}

/**
 * The usual ClientLifecycle: a client the caller passed in (`given`: a client, a pool) is used as
 * it is and never closed, whatever the backend does; else `create` makes a new one on each open
 * and `close` closes it once nothing uses it.
 */
export function clientLifecycle<C>(
  source: { readonly given: C } | { create(): C; close(client: C): void },
): ClientLifecycle<C> {
  if ('given' in source) return { open: () => source.given, release: () => {} };
  return { open: () => source.create(), release: (client) => client !== undefined && source.close(client) };
}

/** The steps of `BackendLifecycle.join`: what differs from one backend to the next. */
export interface JoinSteps<C, R, S extends { close(): void }> {
  /** Registers the member on `client` (joinRounds, usually): the registration. */
  register(client: C): Promise<R>;
  /** Gives up `registration` when close() came during the join (revoke it, else it expires by TTL). */
  discard?(registration: R, client: C): Promise<unknown>;
  /** The session of `registration`; it calls `ended` once it has ended (left, lost, closed). */
  open(registration: R, client: C, ended: () => void): S;
}

const NO_CLIENT: ClientLifecycle<undefined> = { open: () => undefined, release: () => {} };

/**
 * A backend's lifecycle, the same in every adapter: the client is opened on first use (`retain()`,
 * a join) and released as soon as nothing uses it (no retain, no join or request in flight, no
 * session: see ClientUses), then opened again by the next use; `close()` closes every session still
 * open (they walk away: their registrations expire by TTL) and the client, for good.
 */
export class BackendLifecycle<C = undefined> {
  readonly #options: BackendLifecycleOptions<C>;
  readonly #client: ClientLifecycle<C>;
  readonly #uses = new ClientUses(() => this.#release());
  readonly #sessions = new Set<{ close(): void }>();
  #opened: { readonly client: C } | undefined;
  #closed = false;

  constructor(options: BackendLifecycleOptions<C>) {
    this.#options = options;
    this.#client = options.client ?? (NO_CLIENT as ClientLifecycle<C>);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** `MembershipBackend.retain`: one use, until the returned function is called. */
  retain(): () => void {
    if (this.#closed) return () => {};
    this.client();
    return this.hold();
  }

  /** Throws LifecycleError once the backend was closed. */
  assertOpen(): void {
    if (this.#closed) {
      const { what, source, closedMessage } = this.#options;
      throw new LifecycleError(closedMessage ?? `This ${what} was closed; create a new one.`, { source });
    }
  }

  /** The client, opened if need be. Hold a use (`hold`, `using`) for as long as it is used. */
  client(): C {
    this.assertOpen();
    this.#opened ??= { client: this.#client.open() };
    return this.#opened.client;
  }

  /**
   * One use until the returned function is called: a leave's or a revocation's requests, which may
   * outlast the session's own hold. Opens nothing: the requests run on the client they started on.
   */
  hold(): () => void {
    return this.#uses.hold();
  }

  /** Holds the client while `work` is in flight. */
  during<T>(work: Promise<T>): Promise<T> {
    return work.finally(this.hold());
  }

  /** Runs `work` on the client, which stays open until it settles. */
  using<T>(work: (client: C) => Promise<T>): Promise<T> {
    return this.#uses.during(work(this.client()));
  }

  /**
   * A join, the same in every adapter: refused once the backend was closed; `register` runs while
   * the client is held; when close() came meanwhile, what it registered must not outlive the
   * backend: `discard` gives it up (a failure ignored: it then expires by TTL, never renewed) and
   * the join fails with LifecycleError. Else the session `open` makes is adopted (see `adopt`).
   */
  async join<R, S extends { close(): void }>(steps: JoinSteps<C, R, S>): Promise<S> {
    this.assertOpen();
    return this.using(async (client) => {
      const registration = await steps.register(client);
      if (this.#closed) {
        await steps.discard?.(registration, client).catch(() => {});
        const { what, source } = this.#options;
        throw new LifecycleError(`This ${what} was closed while joining.`, { source });
      }
      // Adopted before it exists: a session that ends while it is being made is let go all the same.
      let session: S | undefined;
      const ended = this.adopt({ close: () => session?.close() });
      try {
        session = steps.open(registration, client, ended);
      } catch (error) {
        ended();
        throw error;
      }
      return session;
    });
  }

  /**
   * A session joined: it holds the client, and close() closes it, until the returned function is
   * called (the session ended). Calling that function again does nothing.
   */
  adopt(session: { close(): void }): () => void {
    const released = this.hold();
    this.#sessions.add(session);
    return () => {
      if (this.#sessions.delete(session)) released();
    };
  }

  /** `MembershipBackend.close`: for good, idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const session of [...this.#sessions]) session.close();
    this.#sessions.clear();
    const opened = this.#opened;
    this.#opened = undefined;
    const { close, release } = this.#client;
    if (close !== undefined) close(opened?.client);
    else release(opened?.client);
  }

  #release(): void {
    const opened = this.#opened;
    this.#opened = undefined;
    this.#client.release(opened?.client);
  }
}
