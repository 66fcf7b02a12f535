import type { Unsubscribe } from '../contracts/member.js';
import { LifecycleError, SessionLostError } from '../errors.js';
import type { Logger } from '../logger.js';
import { Listeners } from './listeners.js';

/**
 * Where a session is: `active` (registered, renewing, watching), then `lost` (the backend says the
 * registration is gone; `onLost` fired), `left` (leave() ran) or `closed` (walked away). A lost
 * session can still be left or closed; a left or closed one is over.
 */
export type SessionState = 'active' | 'lost' | 'left' | 'closed';

export interface SessionLifecycleOptions {
  readonly logger: Logger;
  /** The adapter's error source (`etcd`, `consul`). */
  readonly source: string;
  /** What the session is called in messages: "etcd session", "Consul session". */
  readonly what: string;
  /** Stops the session's own machinery (renewals, watches, timers). Called once, when it stops being active. */
  readonly stop: () => void;
  /**
   * A lost session stays `lost` when it is then left or closed (Consul: its lock keeps saying
   * SESSION_LOST). Default: it moves on to `left` or `closed` (etcd).
   */
  readonly keepLost?: boolean;
  /**
   * The adapter's own wording of assertActive's error (messages are part of the API). Default:
   * "This <what> was lost; join again." and "This <what> is <state>; join again before <operation>."
   */
  readonly message?: (state: Exclude<SessionState, 'active'>, operation: string) => string;
}

/**
 * The state machine every session re-derived: active → lost | left | closed, `onLost` at most
 * once (a late listener still hears it, once, on a microtask), `onError` for trouble being ridden
 * out, `leave()` run once however often it is called. The adapter keeps what is its own: what a
 * leave sends, what a loss or a close leaves behind.
 */
export class SessionLifecycle {
  readonly #options: SessionLifecycleOptions;
  readonly #lost: Listeners<Error>;
  readonly #errors: Listeners<Error>;
  #state: SessionState = 'active';
  #lostCause: Error | undefined;
  #leaving: Promise<void> | undefined;

  constructor(options: SessionLifecycleOptions) {
    this.#options = options;
    this.#lost = new Listeners(options.logger, 'onLost', { once: true });
    this.#errors = new Listeners(options.logger, 'onError');
  }

  get state(): SessionState {
    return this.#state;
  }

  get active(): boolean {
    return this.#state === 'active';
  }

  onLost(listener: (cause: Error) => void): Unsubscribe {
    return this.#lost.add(listener);
  }

  onError(listener: (error: Error) => void): Unsubscribe {
    return this.#errors.add(listener);
  }

  /** Trouble the adapter is riding out by itself: handed to every `onError` listener. */
  reportError(error: Error): void {
    this.#errors.emit(error);
  }

  /**
   * The registration is gone for good: active → lost, the machinery stopped. `beforeEmit` runs
   * between the two and the `onLost` listeners (what the adapter still has to clean up).
   * Returns false, doing nothing, when the session was no longer active.
   */
  lose(cause: Error, beforeEmit?: () => void): boolean {
    if (this.#state !== 'active') return false;
    this.#state = 'lost';
    this.#lostCause = cause;
    this.#options.stop();
    beforeEmit?.();
    this.#lost.emit(cause);
    return true;
  }

  /**
   * Ends the session as `next` (left or closed) unless it already was left or closed. Returns the
   * state it ended from (`active` or `lost`), or undefined when it had ended already. With
   * `keepLost`, a lost session stays lost: every call returns `lost`.
   */
  end(next: 'left' | 'closed'): 'active' | 'lost' | undefined {
    const from = this.#state;
    if (from === 'left' || from === 'closed') return undefined;
    if (from === 'lost' && this.#options.keepLost === true) return from;
    this.#state = next;
    if (from === 'active') this.#options.stop();
    return from;
  }

  /** Runs `work` once: every call of leave() returns the same promise. */
  leave(work: () => Promise<void>): Promise<void> {
    this.#leaving ??= work();
    return this.#leaving;
  }

  /** Throws unless the session is active: SessionLostError once lost, LifecycleError once left or closed. */
  assertActive(operation = 'this call'): void {
    const state = this.#state;
    if (state === 'active') return;
    const { source, what, message } = this.#options;
    if (state === 'lost') {
      const text = message?.(state, operation) ?? `This ${what} was lost; join again.`;
      throw new SessionLostError(text, { source, cause: this.#lostCause });
    }
    const text = message?.(state, operation) ?? `This ${what} is ${state}; join again before ${operation}.`;
    throw new LifecycleError(text, { source });
  }
}
