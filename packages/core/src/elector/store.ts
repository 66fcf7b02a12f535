import type { Member, Unsubscribe } from '../contracts/member.js';
import type { MemberView } from '../ordering/member-view.js';
import { type Clock, WallCountdown } from '../time/clock.js';
import { type Action, type CoreState, initialState, reduce } from './reducer.js';
import type { ElectionReason, ElectionState, ElectorEvent } from './types.js';

type Listener = (event: ElectorEvent, state: ElectionState) => void;

/**
 * Holds the elector's state, changes it only through `dispatch` (the reducer), and hands out
 * immutable snapshots. A snapshot holds the view's persistent version of the membership, so taking
 * one costs O(1) however many members there are, and it stays true to its moment after the view
 * moves on; the array is only built if somebody reads `members`.
 */
export class ElectorStore {
  #state: CoreState;
  readonly #view: MemberView;
  readonly #clock: Clock;
  readonly #listeners = new Set<Listener>();
  #snapshot: ElectionState | undefined;
  /** Events waiting for delivery, each with the state right after it; drained by one loop at a time. */
  readonly #outbox: [ElectorEvent, ElectionState][] = [];
  #delivering = false;
  readonly #onListenerError: (error: unknown) => void;
  /**
   * Counts the wall clock's lead from when `leaseDeadline` was last set (the runtime set it from a
   * deadline read at that moment), not from when a snapshot is built: a snapshot built after a
   * suspend (the first event after waking) must not say leader on a deadline from before it.
   */
  #leaseCountdown: WallCountdown;

  constructor(id: string, view: MemberView, clock: Clock, onListenerError: (error: unknown) => void) {
    this.#state = initialState(id, clock.now());
    this.#view = view;
    this.#clock = clock;
    this.#onListenerError = onListenerError;
    this.#leaseCountdown = new WallCountdown(clock);
  }

  get current(): CoreState {
    return this.#state;
  }

  /** Call after the view changed: the next snapshot must carry the new membership. */
  viewChanged(): void {
    this.#snapshot = undefined;
  }

  dispatch(action: Action): void {
    const { state, events } = reduce(this.#state, action);
    if (state.leaseDeadline !== this.#state.leaseDeadline)
      this.#leaseCountdown = new WallCountdown(this.#clock);
    else this.#leaseCountdown.lead(); // every dispatch reads it: a back step is seen before a suspend follows
    if (state !== this.#state) {
      this.#state = state;
      this.#snapshot = undefined;
    }
    this.#notify(events);
  }

  /** Announces an event that changes no state (an error the loop is riding out). */
  emit(event: ElectorEvent): void {
    this.#notify([event]);
  }

  /**
   * Delivers in order. A listener that changes the elector (calls stop() on `elected`) queues the
   * events of that change behind the ones being delivered, so every listener sees every event in
   * the order it happened, each with the state right after it.
   */
  #notify(events: readonly ElectorEvent[]): void {
    if (events.length === 0 || this.#listeners.size === 0) return;
    const snapshot = this.snapshot();
    for (const event of events) this.#outbox.push([event, snapshot]);
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      for (let next = this.#outbox.shift(); next !== undefined; next = this.#outbox.shift()) {
        const [event, state] = next;
        for (const listener of [...this.#listeners]) {
          try {
            listener(event, state);
          } catch (error) {
            // A throwing subscriber must not break the election loop; report it and go on.
            this.#onListenerError(error);
          }
        }
      }
    } finally {
      this.#delivering = false;
    }
  }

  subscribe(listener: Listener): Unsubscribe {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  snapshot(): ElectionState {
    if (this.#snapshot) return this.#snapshot;
    // The view's current immutable version: O(1) to take, walked only if someone reads members.
    const ranked = this.#view.ranked();
    const clock = this.#clock;
    const { id, phase, since, leaderId, term, leaseDeadline, reason } = this.#state;
    const countdown = this.#leaseCountdown;
    const snapshot: ElectionState & { toJSON(): unknown } = Object.freeze({
      id,
      phase,
      since,
      leaderId,
      term,
      leaseDeadline,
      reason,
      get members(): readonly Member[] {
        return ranked.toArray();
      },
      // Checked when read, so a snapshot never says "leader" past its deadline, even if the process
      // was paused and no timer has fired since, or the machine was suspended (the wall clock,
      // counted from when the deadline was set, see #leaseCountdown).
      get isLeader(): boolean {
        if (phase !== 'leader' || leaseDeadline === null) return false;
        return clock.now() < countdown.deadline(leaseDeadline);
      },
      /** JSON has no bigint: the term becomes a decimal string, members their ids in order. */
      toJSON() {
        return {
          id,
          leaderId,
          isLeader: snapshot.isLeader,
          term: term?.toString() ?? null,
          members: snapshot.members.map((member) => member.id),
          phase,
          since,
          leaseDeadline,
          reason: reasonToJSON(reason),
        };
      },
    });
    this.#snapshot = snapshot;
    return snapshot;
  }
}

/** JSON has no bigint: a term in a reason becomes a decimal string. */
function reasonToJSON(reason: ElectionReason): unknown {
  return 'term' in reason ? { ...reason, term: reason.term?.toString() ?? null } : reason;
}
