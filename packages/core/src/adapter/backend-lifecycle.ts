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
  /**
   * How long `close()` lets the work still in flight on the client finish before it closes the
   * client all the same, ms: a join that close() overtook giving up its registration, a leave's
   * revocation. Each of those is bounded by the adapter's own request timeouts. Default 5000.
   */
  readonly drainMs?: number;
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
  /** The join request's signal (`JoinRequest.signal`). */
  readonly signal?: AbortSignal;
  /**
   * Registers the member on `client` (joinRounds, usually): the registration. `signal` aborts when
   * the request's signal does or when close() comes: pass it on (to joinRounds, to a wait), so a
   * join that close() overtakes stops at once and gives up what it made.
   */
  register(client: C, signal: AbortSignal): Promise<R>;
  /**
   * Gives up `registration` when close() came during the join: revoke it. close() keeps the client
   * open until this settles (within `drainMs`); a failure is ignored (it then expires by TTL, never
   * renewed).
   */
  discard?(registration: R, client: C): Promise<unknown>;
  /** The session of `registration`; it calls `ended` once it has ended (left, lost, closed). */
  open(registration: R, client: C, ended: () => void): S;
  /**
   * What the join still waits for once the session exists (static: its first probe round), with
   * `signal` as `register`'s. When it fails, or close() comes meanwhile, the session is closed,
   * `discard` gives up the registration, and the join fails: with `ready`'s error, or with
   * LifecycleError (the abort as its cause) when close() came. A session that ends by itself
   * meanwhile is returned as it is, as one that ends right after the join (core hears its onLost).
   */
  ready?(session: S, signal: AbortSignal): Promise<unknown>;
}

const NO_CLIENT: ClientLifecycle<undefined> = { open: () => undefined, release: () => {} };

/**
 * A backend's lifecycle, the same in every adapter: the client is opened on first use (`retain()`,
 * a join) and released as soon as nothing uses it (no retain, no join or request in flight, no
 * session: see ClientUses), then opened again by the next use; `close()` closes every session still
 * open (they walk away: their registrations expire by TTL), aborts the joins in flight (each gives
 * up what it registered), and closes the client, for good, once that work has settled.
 */
export class BackendLifecycle<C = undefined> {
  readonly #options: BackendLifecycleOptions<C>;
  readonly #client: ClientLifecycle<C>;
  readonly #uses = new ClientUses(() => this.#release());
  /** Work in flight on the client (joins, leaves, revocations): what close() lets finish. */
  readonly #work = new ClientUses(() => this.#drained?.());
  /** Open sessions, each with the end of its hold on the client. */
  readonly #sessions = new Map<{ close(): void }, () => void>();
  /** The joins in flight: close() aborts each. */
  readonly #joins = new Set<AbortController>();
  #opened: { readonly client: C } | undefined;
  #closed = false;
  /** Set by close(): settles once the client is closed. */
  #closing: Promise<void> | undefined;
  /** Closes the client once nothing is in flight on it (the last use ended after close()). */
  #drained: (() => void) | undefined;

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
    return this.#uses.hold();
  }

  /** Throws LifecycleError once the backend was closed. */
  assertOpen(): void {
    if (this.#closed) {
      const { what, source, closedMessage } = this.#options;
      throw new LifecycleError(closedMessage ?? `This ${what} was closed; create a new one.`, { source });
    }
  }

  /**
   * The client, opened if need be. Hold a use (`hold`, `using`) for as long as it is used. After
   * close(), until the work in flight has settled, the client already open (and only it) is still
   * given, for that work (a join giving up its registration, a revocation).
   */
  client(): C {
    if (this.#closed && this.#opened !== undefined && this.#drained !== undefined) return this.#opened.client;
    this.assertOpen();
    this.#opened ??= { client: this.#client.open() };
    return this.#opened.client;
  }

  /**
   * One use until the returned function is called: a leave's or a revocation's requests, which may
   * outlast the session's own hold. Opens nothing: the requests run on the client they started on.
   */
  hold(): () => void {
    const work = this.#work.hold();
    const use = this.#uses.hold();
    return () => {
      work();
      use();
    };
  }

  /** Holds the client while `work` is in flight. */
  during<T>(work: Promise<T>): Promise<T> {
    return work.finally(this.hold());
  }

  /** Runs `work` on the client, which stays open until it settles. */
  using<T>(work: (client: C) => Promise<T>): Promise<T> {
    return this.during(work(this.client()));
  }

  /**
   * A join, the same in every adapter: refused once the backend was closed; `register` runs while
   * the client is held; when close() came meanwhile, what it registered must not outlive the
   * backend: `discard` gives it up (a failure ignored: it then expires by TTL, never renewed) and
   * the join fails with LifecycleError. Else the session `open` makes is adopted (see `adopt`); a
   * close() that comes after `open`, before the join has returned, is met the same way, and so is
   * one during `ready` (the session's set-up that takes time) or a failure of it (which fails the
   * join with its own error). So an adapter does its session's remaining set-up in `open` and
   * `ready` and returns this promise as it is.
   */
  async join<R, S extends { close(): void }>(steps: JoinSteps<C, R, S>): Promise<S> {
    this.assertOpen();
    const joining = new AbortController();
    const request = steps.signal;
    const onAbort = () => joining.abort(request?.reason);
    if (request?.aborted) onAbort();
    else request?.addEventListener('abort', onAbort, { once: true });
    this.#joins.add(joining);
    try {
      return await this.using(async (client) => {
        const { session, registration, ended } = await this.#join(steps, client, joining.signal);
        let failed: { readonly error: unknown } | undefined;
        if (steps.ready && !this.#closed) {
          try {
            await steps.ready(session, joining.signal);
          } catch (error) {
            failed = { error };
          }
        }
        if (this.#closed || failed !== undefined) {
          // close() came after the session was made (maybe while `open` or `ready` ran), or `ready`
          // failed: the session walks away (its hold released even if its close() forgets to say
          // so), and what it registered is given up as an overtaken join's.
          session.close();
          ended();
          return this.#giveUp(steps, registration, client, failed);
        }
        return session;
      });
    } finally {
      this.#joins.delete(joining);
      request?.removeEventListener('abort', onAbort);
    }
  }

  async #join<R, S extends { close(): void }>(
    steps: JoinSteps<C, R, S>,
    client: C,
    signal: AbortSignal,
  ): Promise<{ readonly session: S; readonly registration: R; readonly ended: () => void }> {
    let registration: R;
    try {
      registration = await steps.register(client, signal);
    } catch (error) {
      throw this.#closed ? this.#closedWhileJoining(error) : error;
    }
    if (this.#closed) return this.#giveUp(steps, registration, client);
    // Adopted before it exists: a session that ends while it is being made is let go all the same.
    let session: S | undefined;
    const ended = this.adopt({ close: () => session?.close() });
    try {
      session = steps.open(registration, client, ended);
    } catch (error) {
      ended();
      throw error;
    }
    return { session, registration, ended };
  }

  /**
   * A join close() overtook, or whose `ready` failed: what it registered is given up (a failure
   * ignored: it expires by TTL), and the join fails: "closed while joining" (with `ready`'s error as
   * the cause) once close() came, else with `ready`'s error.
   */
  async #giveUp<R>(
    steps: Pick<JoinSteps<C, R, { close(): void }>, 'discard'>,
    registration: R,
    client: C,
    failed?: { readonly error: unknown },
  ): Promise<never> {
    await steps.discard?.(registration, client).catch(() => {});
    throw this.#closed || failed === undefined ? this.#closedWhileJoining(failed?.error) : failed.error;
  }

  #closedWhileJoining(cause?: unknown): LifecycleError {
    const { what, source } = this.#options;
    return new LifecycleError(`This ${what} was closed while joining.`, {
      source,
      ...(cause === undefined ? {} : { cause }),
    });
  }

  /**
   * A session joined: it holds the client, and close() closes it, until the returned function is
   * called (the session ended). Calling that function again does nothing.
   */
  adopt(session: { close(): void }): () => void {
    const released = this.#uses.hold();
    this.#sessions.set(session, released);
    return () => {
      if (this.#sessions.delete(session)) released();
    };
  }

  /**
   * `MembershipBackend.close`: for good, idempotent. Sessions still open walk away; joins in flight
   * are aborted and give up what they registered; the client is closed once the work still in
   * flight on it has settled, or after `drainMs` all the same. Settles when the client is closed.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    const reason = this.#closedWhileJoining();
    for (const joining of [...this.#joins]) joining.abort(reason);
    // Sessions walk away: nothing of theirs is in flight after close(), so their holds end here.
    for (const [session, released] of [...this.#sessions]) {
      this.#sessions.delete(session);
      session.close();
      released();
    }
    this.#closing = new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      this.#drained = () => {
        this.#drained = undefined;
        clearTimeout(timer);
        this.#closeClient();
        resolve();
      };
      if (this.#work.idle) {
        this.#drained();
        return;
      }
      timer = setTimeout(() => this.#drained?.(), this.#options.drainMs ?? 5000);
      // A wait bound, not work: it must not keep the process alive by itself.
      timer.unref?.();
    });
    return this.#closing;
  }

  #closeClient(): void {
    const opened = this.#opened;
    this.#opened = undefined;
    const { close, release } = this.#client;
    if (close !== undefined) close(opened?.client);
    else release(opened?.client);
  }

  #release(): void {
    if (this.#closed) return;
    const opened = this.#opened;
    this.#opened = undefined;
    this.#client.release(opened?.client);
  }
}
