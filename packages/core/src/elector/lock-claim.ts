import type { LeaderLock, LockHolder } from '../contracts/backend.js';
import { BackendUnavailableError, type ElectionError } from '../errors.js';
import type { Backoff } from '../time/backoff.js';
import type { Clock } from '../time/clock.js';
import { toElectionError } from './to-election-error.js';

/**
 * Where this node's claim on the backend's leader lock stands. One value, never loose flags:
 * - `free`: this node believes it holds no holding and has no call in flight.
 * - `acquiring(op)`: one `tryAcquire` is in flight; only the answer to `op` counts.
 * - `held(token, seen)`: an answer to our own current call said we hold the lock with `token`;
 *   `seen` once the holder watch has shown that holding (after which any other event means it is gone).
 * - `releasing(op, token)`: one `release(token)` is in flight.
 * - `parked(holder)`: another node held the lock at our last answer; wait for the holder to change.
 */
export type ClaimState =
  | { readonly kind: 'free' }
  | { readonly kind: 'acquiring'; readonly op: number; readonly holderEventsAtSend: number }
  | { readonly kind: 'held'; readonly token: bigint; readonly seen: boolean }
  | { readonly kind: 'releasing'; readonly op: number; readonly token: bigint }
  | { readonly kind: 'parked'; readonly holder: LockHolder };

export interface LockClaimOptions {
  readonly lock: LeaderLock;
  readonly selfId: string;
  readonly clock: Clock;
  /** Every lock call is given this long; one that takes longer is treated as "may have committed". */
  readonly callTimeoutMs: number;
  readonly backoff: Backoff;
  /** Something changed that may change the decision: the runtime re-evaluates. */
  readonly onChange: () => void;
  readonly onError: (error: ElectionError) => void;
  /** Test-only deliberate bug (shows the simulator bites): never release holdings we do not want. */
  readonly unsafeKeepOrphans?: boolean;
}

const NONE = -1n;

/**
 * The lock-claim protocol, apart from the decision of whether to hold the lock (the runtime's
 * `evaluate()` makes that and calls `reconcile(want)`). Rules that make it safe:
 * - one call in flight at a time, each with an operation id and a timeout; an answer to any other
 *   operation is never acted on as an answer (a late "acquired" becomes a holding to release);
 * - a timed-out call "may have committed": an acquire may have taken the key, a release may still
 *   land later. Releases name the holding's token, so a late one cannot delete a newer holding;
 * - an answer never elects with a token at or below `#dead`: tokens this node already gave up
 *   (sent a release for), tokens the watch showed held by someone else, and own holdings the watch
 *   showed deleted. That is what keeps an answer older than the watch from electing;
 * - holdings of our own that we do not want (late answers, lost replies the watch revealed) are
 *   released by token before anything else is asked; retries after failures back off.
 */
export class LockClaim {
  #state: ClaimState = { kind: 'free' };
  readonly #options: LockClaimOptions;
  #holder: LockHolder = null;
  #holderEvents = 0;
  /** The previous holder event showed a holding of ours with this token (else NONE). */
  #lastOwnSeen = NONE;
  /** Tokens at or below this never elect. */
  #dead = NONE;
  /** Highest token whose release the backend acknowledged: every own holding up to it is gone. */
  #releasedUpTo = NONE;
  /** Own holdings that may exist and that we do not hold as `held`: to confirm or release. */
  readonly #orphans = new Set<bigint>();
  #nextOp = 0;
  #cancelTimeout: (() => void) | undefined;
  #cancelRetry: (() => void) | undefined;
  #disposed = false;

  constructor(options: LockClaimOptions) {
    this.#options = options;
  }

  get state(): ClaimState {
    return this.#state;
  }

  /** The holder as the watch last reported it. */
  get holder(): LockHolder {
    return this.#holder;
  }

  /** The token of the holding this node may lead with, or null. */
  heldToken(): bigint | null {
    return this.#state.kind === 'held' ? this.#state.token : null;
  }

  /** Waiting out a backoff before the next call. */
  get backingOff(): boolean {
    return this.#cancelRetry !== undefined;
  }

  /**
   * Takes the one step towards `want` (hold the lock, or not) that is allowed now. Never starts a
   * call while one is in flight or while backing off.
   */
  reconcile(want: boolean): void {
    if (this.#disposed) return;
    const state = this.#state;
    if (state.kind === 'acquiring' || state.kind === 'releasing' || this.#cancelRetry) return;
    // Holdings we gave up, or that we do not want, go first: by token, one at a time.
    for (const token of this.#options.unsafeKeepOrphans ? [] : this.#orphans) {
      if (token <= this.#releasedUpTo) this.#orphans.delete(token);
      else if (!want || token <= this.#dead) {
        this.#release(token);
        return;
      }
    }
    if (state.kind === 'held') {
      if (!want) this.#release(state.token);
      return;
    }
    if (!want || state.kind !== 'free') return;
    const holder = this.#holder;
    // The watch shows someone else holding it: wait for a change instead of asking to be told no.
    if (holder !== null && holder.id !== this.#options.selfId) this.#state = { kind: 'parked', holder };
    else this.#acquire();
  }

  /** The safety net: a parked claim asks again, in case a holder change was missed. */
  unpark(): void {
    if (this.#state.kind === 'parked') this.#state = { kind: 'free' };
  }

  onHolder(holder: LockHolder): void {
    if (this.#disposed) return;
    this.#holderEvents++;
    const previous = this.#holder;
    this.#holder = holder;
    const self = this.#options.selfId;
    const own = holder !== null && holder.id === self ? holder.token : NONE;
    // The holder stream is in order: whatever follows a holding of ours means that holding is gone.
    if (this.#lastOwnSeen !== NONE && own !== this.#lastOwnSeen) this.#markDead(this.#lastOwnSeen);
    this.#lastOwnSeen = own;
    if (holder !== null && own === NONE) this.#markDead(holder.token);
    const state = this.#state;
    switch (state.kind) {
      case 'held':
        if (own === state.token) this.#state = { ...state, seen: true };
        else if (this.#showsHeldGone(state.token, state.seen, holder)) {
          this.#markDead(state.token);
          this.#state = { kind: 'free' };
          if (own > state.token) this.#orphans.add(own);
        }
        break;
      case 'parked':
        if (!sameHolder(previous, holder)) this.#state = { kind: 'free' };
        if (own > this.#releasedUpTo) this.#orphans.add(own);
        break;
      case 'releasing':
        if (own !== NONE && own !== state.token && own > this.#releasedUpTo) this.#orphans.add(own);
        break;
      default:
        if (own > this.#releasedUpTo) this.#orphans.add(own);
    }
    this.#options.onChange();
  }

  /** Stops every timer and ignores every answer still to come. */
  dispose(): void {
    this.#disposed = true;
    this.#cancelTimeout?.();
    this.#cancelRetry?.();
    this.#cancelTimeout = undefined;
    this.#cancelRetry = undefined;
  }

  /** A held holding is gone if the watch shows a newer holding, or anything else once it showed ours. */
  #showsHeldGone(token: bigint, seen: boolean, holder: LockHolder): boolean {
    if (holder !== null && holder.token > token) return true;
    return seen; // before the watch caught up with our holding, a "free" or older holder is stale
  }

  #markDead(token: bigint): void {
    if (token > this.#dead) this.#dead = token;
  }

  #acquire(): void {
    const op = ++this.#nextOp;
    this.#state = { kind: 'acquiring', op, holderEventsAtSend: this.#holderEvents };
    this.#call(
      op,
      () => this.#options.lock.tryAcquire(),
      (token) => this.#acquired(token),
      (error) => {
        // May have committed: if it did, the watch shows the holding (an orphan) or the next
        // tryAcquire hands its token back. Either way, not before a backoff.
        this.#state = { kind: 'free' };
        this.#fail(toElectionError(error, 'acquiring the leader lock'));
      },
    );
  }

  #acquired(token: bigint | null): void {
    const state = this.#state;
    if (state.kind !== 'acquiring') return;
    if (token === null) {
      // Park only if the holder did not change while we asked: a release seen meanwhile may be
      // newer than this answer, and parking would wait for a change that already happened.
      this.#state =
        this.#holderEvents === state.holderEventsAtSend
          ? { kind: 'parked', holder: this.#holder }
          : { kind: 'free' };
      this.#options.onChange();
      return;
    }
    this.#orphans.delete(token);
    if (token <= this.#dead) {
      // Older than what the watch already showed, or a holding we gave up: never lead on it.
      // Release it by token (harmless if gone), then ask again after a backoff.
      if (token > this.#releasedUpTo) this.#orphans.add(token);
      this.#state = { kind: 'free' };
      this.#backOff();
      this.#options.onChange();
      return;
    }
    this.#options.backoff.reset();
    for (const orphan of this.#orphans) if (orphan < token) this.#orphans.delete(orphan);
    this.#state = { kind: 'held', token, seen: this.#lastOwnSeen === token };
    this.#options.onChange();
  }

  #release(token: bigint): void {
    const op = ++this.#nextOp;
    // From the moment the request leaves, this holding may vanish at any time: never lead on it again.
    this.#markDead(token);
    this.#orphans.delete(token);
    this.#state = { kind: 'releasing', op, token };
    this.#call(
      op,
      () => this.#options.lock.release(token),
      () => {
        if (token > this.#releasedUpTo) this.#releasedUpTo = token;
        this.#state = { kind: 'free' };
        this.#options.onChange();
      },
      (error) => {
        this.#orphans.add(token); // still ours, perhaps: try again after a backoff
        this.#state = { kind: 'free' };
        this.#fail(toElectionError(error, 'releasing the leader lock'));
      },
    );
  }

  /** Runs one lock call with a timeout; only the answer to the current operation is acted on. */
  #call<T>(
    op: number,
    send: () => Promise<T>,
    onAnswer: (value: T) => void,
    onFailure: (error: unknown) => void,
  ) {
    const current = () => !this.#disposed && 'op' in this.#state && this.#state.op === op;
    const settle = (fn: () => void) => {
      if (!current()) return;
      this.#cancelTimeout?.();
      this.#cancelTimeout = undefined;
      fn();
    };
    this.#cancelTimeout = this.#options.clock.setTimer(() => {
      settle(() =>
        onFailure(
          new BackendUnavailableError(
            `no answer within lockTimeoutMs (${this.#options.callTimeoutMs} ms); treated as "may have committed".`,
          ),
        ),
      );
    }, this.#options.callTimeoutMs);
    let sent: Promise<T>;
    try {
      sent = send();
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (value) => settle(() => onAnswer(value)),
      (error: unknown) => settle(() => onFailure(error)),
    );
    // A late answer to an acquire we stopped waiting for may carry a holding of ours: keep it as an
    // orphan so it is confirmed or released, never led on.
    sent.then(
      (value) => {
        if (!current() && !this.#disposed && typeof value === 'bigint' && this.heldToken() !== value) {
          if (value > this.#releasedUpTo) {
            this.#orphans.add(value);
            this.#options.onChange();
          }
        }
      },
      () => {},
    );
  }

  #fail(error: ElectionError): void {
    this.#options.onError(error);
    this.#backOff();
    this.#options.onChange();
  }

  #backOff(): void {
    this.#cancelRetry?.();
    this.#cancelRetry = this.#options.clock.setTimer(() => {
      this.#cancelRetry = undefined;
      this.#options.onChange();
    }, this.#options.backoff.next());
  }
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a === b || (a !== null && b !== null && a.id === b.id && a.token === b.token);
}
