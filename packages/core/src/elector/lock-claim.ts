import type { LeaderLock, LockHolder } from '../contracts/backend.js';
import { BackendUnavailableError, type ElectionError } from '../errors.js';
import type { Backoff } from '../time/backoff.js';
import type { Clock } from '../time/clock.js';
import { toElectionError } from './to-election-error.js';

/*
 * Why a late answer is led on (issue 19, defect 1). A lock call that runs past `lockTimeoutMs` is
 * reported (once) as slow, and still awaited: its answer is handled exactly like a timely one. What
 * keeps a late "acquired, token T" safe is not the clock of the call but three facts that hold for
 * any answer, timely or not:
 *  1. One lock call is in flight at a time and every answer is matched to its operation id, so the
 *     answer is the backend's word on this node's current call, given at some instant between the
 *     send and the answer. Nothing of ours ran on the lock meanwhile (no release in flight).
 *  2. The dead floor: T is led on only if it is above every token this node gave up, every token
 *     the holder watch showed held by another node, and every own holding the watch showed deleted.
 *     A holding the watch already showed gone can therefore never elect, however late the answer.
 *     A deletion of T the watch has not shown yet can only come from outside (by hand, a lease
 *     revoked by an operator): expiry is fact 3, and our own releases name older tokens (tokens
 *     only grow). That exposure is the same for a timely answer: the watch shows the deletion next
 *     and the node demotes (`held` → gone).
 *  3. The session deadline: the runtime leads only while the registration's deadline (the send time
 *     of the last acknowledged renewal plus the TTL, less the margin, on both clocks) lies ahead.
 *     The holding is bound to the registration, and the backend deletes it only when that
 *     registration expires (after that deadline) or when this node releases T (after it stopped
 *     leading). So while the deadline lies ahead no other node can hold the lock, whatever the
 *     answer's age; an answer that arrives past it is not led on (the runtime reconfirms first).
 * Before, a late answer was set aside as "may have committed" and confirmed by another call, which
 * a backend steadily slower than the timeout answered late too, for ever: never a leader, the lock
 * held all along. A late null is not parked on (a release the watch shows meanwhile may be newer
 * than the answer): the claim backs off and asks again unless the watch shows a holder by then.
 */

/**
 * Where this node's claim on the backend's leader lock stands. One value, never loose flags:
 * - `free`: this node believes it holds no holding and has no call in flight.
 * - `acquiring(op)`: one `tryAcquire` is in flight; only the answer to `op` counts. Once it has
 *   run past the timeout (`timedOut`) it has been reported slow; its answer still counts (see above).
 * - `held(token, seen)`: an answer to our own current call said we hold the lock with `token`;
 *   `seen` once the holder watch has shown that holding (after which any other event means it is gone).
 * - `releasing(op, token, to?)`: one `release(token)` is in flight, or with `to` one
 *   `transfer(token, to)` (the direct handover: the holding is handed to `to` in one write).
 * - `parked(holder)`: another node held the lock at our last answer; wait for the holder to change.
 * A call stays in flight until it settles, timed out or not: a node never has two lock calls out.
 */
type ClaimState =
  | { readonly kind: 'free' }
  | {
      readonly kind: 'acquiring';
      readonly op: number;
      /** Holder changes seen when the call was sent (repeats of the same holder do not count). */
      readonly changesAtSend: number;
      readonly timedOut: boolean;
      /** The registration's deadline passed while it was in flight: its answer is not led on (reconfirm()). */
      readonly reconfirm?: boolean;
    }
  | { readonly kind: 'held'; readonly token: bigint; readonly seen: boolean }
  | {
      readonly kind: 'releasing';
      readonly op: number;
      readonly token: bigint;
      readonly timedOut: boolean;
      /** A transfer to this member rather than a plain release. */
      readonly to?: string;
    }
  | { readonly kind: 'parked'; readonly holder: LockHolder };

export interface LockClaimOptions {
  readonly lock: LeaderLock;
  readonly selfId: string;
  readonly clock: Clock;
  /**
   * A lock call that has not answered after this long is reported as slow (a BackendUnavailableError,
   * once per call). The claim still waits for it to settle (adapters bound their own requests)
   * before the next, and its answer counts like a timely one (see the comment at the top).
   */
  readonly callTimeoutMs: number;
  readonly backoff: Backoff;
  /** Something changed that may change the decision: the runtime re-evaluates. */
  readonly onChange: () => void;
  readonly onError: (error: ElectionError) => void;
  /** Test-only deliberate bug (shows the simulator bites): never release holdings we do not want. */
  readonly unsafeKeepOrphans?: boolean;
}

// Stryker disable next-line UnaryOperator: +1n throws a TypeError when the module loads, so every test file importing it fails to load; Stryker's vitest runner counts a file that fails to load as no failed test
const NONE = -1n;

/**
 * The lock-claim protocol, apart from the decision of whether to hold the lock (the runtime's
 * `evaluate()` makes that and calls `reconcile(want)`). Rules that make it safe:
 * - one call in flight at a time, each with an operation id and a timeout; an answer to any other
 *   operation is never acted on as an answer (and there is none: the next call waits for it);
 * - a call that failed "may have committed": an acquire may have taken the key (the watch or the next
 *   tryAcquire reveals it), a release may still land later. Releases name the holding's token, so a
 *   late one cannot delete a newer holding;
 * - an answer never elects with a token at or below `#dead`: tokens this node already gave up
 *   (sent a release for), tokens the watch showed held by someone else, and own holdings the watch
 *   showed deleted. That is what keeps an answer older than the watch from electing;
 * - holdings of our own that we do not want (late answers, lost replies the watch revealed) are
 *   released by token before anything else is asked; retries after failures back off;
 * - a holding of our own we did not ask for is adopted (held without a call) only when the record
 *   says it was handed to us (`holder.handed`, written by the previous holder's `transfer`) and its
 *   token is above the dead floor, while no call of ours is in flight. It is bound to this node's
 *   own registration, so the runtime leads on it only within this session's deadline, as on any
 *   holding. Any other unasked holding is an orphan, released as before;
 * - handing over (`reconcile(false, to)`) is one `transfer(token, to)` where the backend offers it:
 *   from the moment it is sent the token is dead for us (as for a release); a null answer (the
 *   condition failed) leaves the token an orphan, released by token next; a failed call may have
 *   committed, so the token stays an orphan too (its release is then a harmless no-op).
 */
export class LockClaim {
  #state: ClaimState = { kind: 'free' };
  readonly #options: LockClaimOptions;
  #holder: LockHolder = null;
  /** Counts real holder changes: an event that repeats the holder already shown is not one. */
  #holderChanges = 0;
  /** Set by the resync safety net: ask once even though the watch shows another holder. */
  #askAnyway = false;
  /** The previous holder event showed a holding of ours with this token (else NONE). */
  #lastOwnSeen = NONE;
  /** Tokens at or below this never elect. */
  #dead = NONE;
  /** Highest token whose release the backend acknowledged: every own holding up to it is gone. */
  #releasedUpTo = NONE;
  /** The last handed holding of ours the watch showed, and who held the lock right before it. */
  #handed: { readonly token: bigint; readonly from: string | null } | undefined;
  /**
   * A holding `reconfirm()` stopped leading on: only a `tryAcquire` answer confirms it again, never
   * a watch event that shows it handed (that may be a replay older than a deletion not shown yet).
   */
  #unconfirmed = NONE;
  /** Own holdings that may exist and that we do not hold as `held`: to confirm or release. */
  readonly #orphans = new Set<bigint>();
  #nextOp = 0;
  #cancelTimeout: (() => void) | undefined;
  #cancelRetry: (() => void) | undefined;
  #disposed = false;

  constructor(options: LockClaimOptions) {
    this.#options = options;
  }

  /** The holder as the watch last reported it. */
  get holder(): LockHolder {
    return this.#holder;
  }

  /** The token of the holding this node may lead with, or null. */
  heldToken(): bigint | null {
    return this.#state.kind === 'held' ? this.#state.token : null;
  }

  /**
   * The member that handed this node the holding it now holds (the holder the watch showed right
   * before it), or null when the holding was not handed to it or the giver is unknown.
   */
  handedFrom(): string | null {
    const state = this.#state;
    if (state.kind !== 'held' || this.#handed?.token !== state.token) return null;
    return this.#handed.from;
  }

  /**
   * Takes the one step towards `want` (hold the lock, or not) that is allowed now. Never starts a
   * call while one is in flight or while backing off. With `to`, a holding this node gives up is
   * handed to that member directly (`LeaderLock.transfer`) where the backend offers it.
   */
  reconcile(want: boolean, to?: string): void {
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
      if (!want) this.#release(state.token, to);
      return;
    }
    if (!want || state.kind !== 'free') return;
    const holder = this.#holder;
    // The watch shows someone else holding it: wait for a change instead of asking to be told no.
    if (holder !== null && holder.id !== this.#options.selfId && !this.#askAnyway)
      this.#state = { kind: 'parked', holder };
    else this.#acquire();
  }

  /**
   * After the registration's deadline passed (backend unreachable), the holding this claim believed
   * it held is not led on again until the backend confirms it: it becomes an orphan, which the next
   * `tryAcquire` confirms (it hands back the same token while the holding exists) or which is
   * released if the node no longer wants the lock. A holding deleted meanwhile (by hand, say) whose
   * deletion the watch has not shown yet is then never resumed. A `tryAcquire` in flight across the
   * outage is treated alike: its answer, which may predate such a deletion, is not led on; a token
   * it names becomes an orphan for the next `tryAcquire` (after a backoff) to confirm.
   */
  reconfirm(): void {
    const state = this.#state;
    if (state.kind === 'acquiring') {
      this.#state = { ...state, reconfirm: true };
      return;
    }
    if (state.kind !== 'held') return;
    this.#unconfirmed = state.token;
    this.#orphans.add(state.token);
    this.#state = { kind: 'free' };
  }

  /** The safety net: a parked claim asks the backend once more, in case a holder change was missed. */
  unpark(): void {
    if (this.#state.kind !== 'parked') return;
    this.#state = { kind: 'free' };
    this.#askAnyway = true;
  }

  /** One holder watch event; `revision` as the contract defines it (`HolderListener`), if known. */
  onHolder(holder: LockHolder, revision?: bigint): void {
    if (this.#disposed) return;
    const previous = this.#holder;
    this.#holder = holder;
    // Stryker disable next-line UpdateOperator: the count is only compared for equality with its value at a send, which counting down changes as surely
    if (!sameHolder(previous, holder)) this.#holderChanges++;
    const self = this.#options.selfId;
    const own = holder !== null && holder.id === self ? holder.token : NONE;
    // The holder stream is in order: whatever follows a holding of ours means that holding is gone.
    if (this.#lastOwnSeen !== NONE && own !== this.#lastOwnSeen) this.#markDead(this.#lastOwnSeen);
    this.#lastOwnSeen = own;
    if (holder !== null && own === NONE) this.#markDead(holder.token);
    // No holding of ours at this revision: every one up to it is gone (an answer naming one of
    // them, still in flight, must not elect: the watch will not show that deletion again). An
    // event that shows a holding of ours, handed to us or not, is no such event: a holding handed
    // to us at revision R has token R and must stay adoptable.
    if (revision !== undefined && own === NONE) this.#markDead(revision);
    if (
      own !== NONE &&
      // Stryker disable next-line OptionalChaining: own !== NONE only when holder is not null (own is its token)
      holder?.handed === true &&
      this.#handed?.token !== own
    )
      this.#handed = { token: own, from: previous !== null && previous.id !== self ? previous.id : null };
    // Stryker disable next-line BlockStatement: #adopt left the state held with own, seen; the held case below then only repeats seen: true and onChange, once
    if (this.#adopt(holder, own)) {
      this.#options.onChange();
      return;
    }
    const state = this.#state;
    switch (state.kind) {
      case 'held':
        if (own === state.token) this.#state = { ...state, seen: true };
        else if (this.#showsHeldGone(state.token, state.seen, holder, revision)) {
          this.#markDead(state.token);
          this.#state = { kind: 'free' };
          if (own > state.token) this.#orphans.add(own);
        }
        break;
      case 'parked':
        if (!sameHolder(previous, holder)) this.#state = { kind: 'free' };
        if (own > this.#releasedUpTo) this.#orphans.add(own);
        break;
      // Stryker disable next-line ConditionalExpression,StringLiteral: in the default case a releasing claim would also add the token in flight, which its failure re-adds anyway and its acknowledgement puts at or below #releasedUpTo, where reconcile drops it
      case 'releasing':
        if (
          // Stryker disable next-line LogicalOperator: the variants add only the token in flight (its failure re-adds it, its acknowledgement drops it) or tokens at or below #releasedUpTo, which reconcile drops before it asks anything
          own !== NONE &&
          // Stryker disable next-line ConditionalExpression: the token in flight is re-added by its failure anyway, and dropped by reconcile after its acknowledgement
          own !== state.token &&
          // Stryker disable next-line ConditionalExpression: a token at or below #releasedUpTo is dropped by reconcile before it asks anything
          own > this.#releasedUpTo
        )
          this.#orphans.add(own);
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

  /**
   * A holding handed to this node by a transfer (the record says so) is held without asking, if no
   * call of ours is in flight (an answer in flight decides then) and it is above the dead floor (a
   * holding we gave up or saw gone never comes back).
   */
  #adopt(holder: LockHolder, own: bigint): boolean {
    const state = this.#state;
    // Stryker disable next-line OptionalChaining: own !== NONE only when holder is not null (own is its token), and the first test returned otherwise
    if (own === NONE || holder?.handed !== true) return false;
    if (state.kind !== 'free' && state.kind !== 'parked') return false;
    if (
      own <= this.#dead ||
      // Stryker disable next-line ConditionalExpression: #releasedUpTo is never above #dead (a release marks its token dead when sent), so the test before already returned
      own <= this.#releasedUpTo ||
      own === this.#unconfirmed
    )
      return false;
    this.#orphans.delete(own);
    for (const orphan of this.#orphans) if (orphan < own) this.#orphans.delete(orphan);
    this.#state = { kind: 'held', token: own, seen: true };
    // Stryker disable next-line BooleanLiteral: onHolder then reaches the held case, which finds own === token and only repeats seen: true and onChange; #acquired ignores the result
    return true;
  }

  /**
   * A held holding is gone if the watch shows a newer holding, another state at a revision at or
   * after its token (read after it was written: a deletion, by hand too), or anything else once it
   * showed ours.
   */
  #showsHeldGone(token: bigint, seen: boolean, holder: LockHolder, revision: bigint | undefined): boolean {
    if (holder !== null && holder.token > token) return true;
    if (revision !== undefined && revision >= token) return true;
    return seen; // without a revision, a "free" or older holder before ours was shown may be stale
  }

  #markDead(token: bigint): void {
    if (token > this.#dead) this.#dead = token;
  }

  #acquire(): void {
    // Stryker disable next-line UpdateOperator: operation ids only need to differ from one another
    const op = ++this.#nextOp;
    this.#askAnyway = false;
    this.#state = { kind: 'acquiring', op, changesAtSend: this.#holderChanges, timedOut: false };
    this.#call(
      op,
      () => this.#options.lock.tryAcquire(),
      (token, timedOut) => this.#acquired(token, timedOut),
      (error) => {
        // May have committed: if it did, the watch shows the holding (an orphan) or the next
        // tryAcquire hands its token back. Either way, not before a backoff.
        this.#state = { kind: 'free' };
        this.#fail(toElectionError(error, 'acquiring the leader lock'));
      },
    );
  }

  #acquired(token: bigint | null, late: boolean): void {
    const state = this.#state;
    if (state.kind !== 'acquiring') return;
    if (token === null) {
      if (late || state.reconfirm) {
        // Answered by the backend at some instant in a long window: the holder it saw may be gone
        // by now without a change this claim could tell apart. Ask again after a backoff (a watch
        // that shows a holder by then parks the claim instead).
        this.#notLedOn(null);
        return;
      }
      // Park unless the holder changed while we asked (a release seen meanwhile may be newer than
      // this answer, and parking would wait for a change that already happened). A repeat of the
      // same holder is no change: asking again at once for each would be a busy loop.
      this.#state =
        this.#holderChanges === state.changesAtSend
          ? { kind: 'parked', holder: this.#holder }
          : { kind: 'free' };
      // The watch showed a holding handed to us while the call was out: adopt it now, rather
      // than ask again to be given its token.
      const holder = this.#holder;
      if (
        holder !== null &&
        // Stryker disable next-line ConditionalExpression: another member's holding was marked dead when the watch showed it, so #adopt refuses its token
        holder.id === this.#options.selfId
      )
        this.#adopt(holder, holder.token);
      this.#options.onChange();
      return;
    }
    this.#orphans.delete(token);
    if (token <= this.#dead || state.reconfirm) {
      // Older than what the watch already showed, or a holding we gave up: never lead on it.
      // Release it by token (harmless if gone). Sent before an outage that ended meanwhile: an
      // orphan, confirmed (or released) by the next tryAcquire (not by the watch showing it handed).
      if (state.reconfirm) this.#unconfirmed = token;
      this.#notLedOn(token);
      return;
    }
    this.#options.backoff.reset();
    for (const orphan of this.#orphans) if (orphan < token) this.#orphans.delete(orphan);
    this.#state = { kind: 'held', token, seen: this.#lastOwnSeen === token };
    this.#options.onChange();
  }

  /** An answer the node will not lead on: a holding it names is an orphan; ask again after a backoff. */
  #notLedOn(token: bigint | null): void {
    if (
      token !== null &&
      // Stryker disable next-line ConditionalExpression: a token at or below #releasedUpTo is dropped by reconcile before it asks anything
      token > this.#releasedUpTo
    )
      this.#orphans.add(token);
    this.#state = { kind: 'free' };
    this.#backOff();
    this.#options.onChange();
  }

  #release(token: bigint, to?: string): void {
    // Stryker disable next-line UpdateOperator: operation ids only need to differ from one another
    const op = ++this.#nextOp;
    // From the moment the request leaves, this holding may vanish at any time: never lead on it again.
    this.#markDead(token);
    this.#orphans.delete(token);
    const { lock } = this.#options;
    const transfer = to !== undefined && to !== this.#options.selfId ? lock.transfer?.bind(lock) : undefined;
    // Stryker disable next-line BooleanLiteral: a release's answer and failure handlers ignore timedOut, and the timer sets it before it reports
    this.#state = { kind: 'releasing', op, token, timedOut: false, ...(transfer ? { to } : {}) };
    this.#call<bigint | null | undefined>(
      op,
      () => (transfer ? transfer(token, to as string) : lock.release(token).then(() => undefined)),
      (handedAs) => {
        // A transfer whose condition failed wrote nothing: the holding (if any) is released next.
        if (handedAs === null) this.#orphans.add(token);
        else if (token > this.#releasedUpTo) this.#releasedUpTo = token;
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

  /**
   * Runs one lock call. Past the timeout it is reported slow (once) and marked `timedOut`, but
   * stays the one call in flight until it settles; then its answer is handled, with `timedOut`.
   */
  #call<T>(
    op: number,
    send: () => Promise<T>,
    onAnswer: (value: T, timedOut: boolean) => void,
    onFailure: (error: unknown) => void,
  ): void {
    /** The claim's state while this call is the one in flight; undefined once it is not. */
    const inFlight = () => {
      const state = this.#state;
      const ours =
        (state.kind === 'acquiring' || state.kind === 'releasing') &&
        // Stryker disable next-line ConditionalExpression: one call is in flight at a time, and its state stays current until it settles
        state.op === op;
      return ours && !this.#disposed ? state : undefined;
    };
    this.#cancelTimeout = this.#options.clock.setTimer(() => {
      this.#cancelTimeout = undefined;
      const state = inFlight();
      if (!state) return;
      this.#state = { ...state, timedOut: true };
      this.#options.onError(
        new BackendUnavailableError(
          `a leader-lock call got no answer within lockTimeoutMs (${this.#options.callTimeoutMs} ms); still waiting for it (its answer counts while the registration's deadline lies ahead). If the backend is this slow all the time, raise lockTimeoutMs.`,
        ),
      );
      this.#options.onChange();
    }, this.#options.callTimeoutMs);
    const settle = (fn: (timedOut: boolean) => void) => {
      const state = inFlight();
      if (!state) return;
      this.#cancelTimeout?.();
      this.#cancelTimeout = undefined;
      fn(state.timedOut);
    };
    let sent: Promise<T>;
    try {
      sent = send();
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (value) => settle((timedOut) => onAnswer(value, timedOut)),
      (error: unknown) => settle(() => onFailure(error)),
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
  return (
    a === b ||
    (a !== null &&
      b !== null &&
      // Stryker disable next-line ConditionalExpression: holdings of two members never share a token (each holding's token is new), so equal tokens mean equal ids
      a.id === b.id &&
      a.token === b.token)
  );
}
