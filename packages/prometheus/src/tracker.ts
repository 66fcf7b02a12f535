import type { Clock, ElectionState, Elector } from '@election/core';

/** Time with no leader counts only while the node has joined: not before start(), nor after stop(). */
const JOINED = new Set<ElectionState['phase']>(['follower', 'candidate', 'leader']);
/** Reasons of a node that cannot see the lock state itself: its own blindness is not a gap. */
const BLIND = new Set<ElectionState['reason']['kind']>(['joining', 'backend-unreachable', 'duplicate-id']);

/** The node has a live registration and sees the lock state: what it sees counts. */
const sees = (state: ElectionState) => JOINED.has(state.phase) && !BLIND.has(state.reason.kind);

interface Leadership {
  readonly id: string;
  readonly term: bigint | null;
}

export interface LeadershipTracker {
  /** New leaderships seen: a leader (id, term) other than the last one seen, the first one not counted. */
  readonly changes: number;
  /** Leaderless time so far, ms, the open gap included. */
  leaderlessMs(): number;
  /** Wall-clock ms since when the current leader leads (exact on the leader, else first seen); null with none. */
  leaderSince(): number | null;
  /** Feed every state the elector reports. */
  update(state: ElectionState): void;
}

/**
 * The two numbers every node of an election must agree on, defined so that they do:
 *
 * - A leader change is a new leadership: a leader (id and term) other than the last one this node
 *   saw. A gap with no leader in between does not count by itself, so a failover seen as
 *   `a → none → b` and one seen as `a → b` both count 1; the first leader a node sees after it
 *   starts is not a change (a restarted node would count one that did not happen).
 * - Leaderless time runs from when the last leadership ended to when the next one begins. When the
 *   leader's lock and registration vanished at once (in one backend change, reported in one go: its
 *   lease expired, because it crashed or was cut off), the backend noticed only a TTL after the
 *   leader's last renewal, and nobody could lead meanwhile: the gap is dated back by the TTL, to
 *   that last renewal (never before the end of the last gap this node counted, so two gaps never
 *   overlap, nor before it saw that leadership take over from another; nor from a leader seen only
 *   before a blind spell or a rejoin). A node that joined after that renewal dates it back alike:
 *   the expiry, not when each node first saw the leader, fixes the start. A leader that
 *   hands over, or stops with resign, releases the lock first (core's stop releases it by its
 *   token before `leave()`, also where leave alone would end both in one step: etcd, memory) and
 *   its registration goes in a later change, so it is not dated back. Every node sees the expiry
 *   at about the same moment, so they count the same gap.
 */
export function trackLeadership(elector: Elector, clock: Clock, ttlMs: number): LeadershipTracker {
  let last: Leadership | null = null;
  /**
   * No gap is dated back before this: the end of the last gap this node counted (two gaps never
   * overlap), or the moment it saw the current leadership begin (a direct change, `a → b`). A
   * leadership that was already there when this node first saw it (after its join, a blind spell
   * or a rejoin) moves it not: when that leadership began is unknown, and a node that joined after
   * the leader's last renewal must date its expiry as every other node does (CI flake: a survivor
   * that joined just before the leader was killed dated the gap back only to its own first view).
   */
  let floor = Number.NEGATIVE_INFINITY;
  let sinceWall: number | null = null;
  let changes = 0;
  let closedMs = 0;
  let openSince: number | null = null;
  /**
   * The open gap, for the rest of the turn that opened it (one backend change is reported within a
   * turn: its events, then their promise jobs): `by`, the leader whose end opened it, while its
   * registration may still vanish in the same change; null when no leadership's end opened it.
   */
  let opening: { readonly by: string | null } | null = null;
  /**
   * The leader the previous state showed while this node saw the backend, else null. Only a
   * leadership seen up to this change can have ended in it: after a blind spell or a rejoin, the
   * last leader seen may have gone long ago (a failover this node did not see), and nothing is
   * dated back from the moment it sees again.
   */
  let shown: string | null = null;
  const wall = (at: number) => Date.now() - (clock.now() - at);

  /** Wall-clock ms since when the last leadership seen leads (kept while no leader is in view). */
  let leadershipSince: number | null = null;

  const update = (state: ElectionState) => {
    const now = clock.now();
    const seeing = sees(state);
    const leaderless = seeing && state.leaderId === null;
    if (state.leaderId !== null) {
      const current = { id: state.leaderId, term: state.term };
      const isNew = last === null || last.id !== current.id || last.term !== current.term;
      if (isNew) {
        if (last !== null) changes += 1;
        leadershipSince = state.isLeader ? wall(state.since) : Date.now();
      }
      // A new leadership seen taking over from the one shown before: a later loss is never dated
      // back over the previous leadership. (Taking over after a gap: the gap's end, below.)
      if (isNew && shown !== null) floor = now;
      last = current;
      // The same leadership seen again (after a gap or a blind spell) leads since it began.
      sinceWall = leadershipSince;
    } else {
      sinceWall = null;
    }
    if (openSince !== null && !leaderless) {
      // Ended by the next leadership, or by this node going blind: counted up to here either way.
      // A node that goes blind loses its view of the leader in the same step that says it is blind
      // (core sets the reason first), so its own blindness never opens a gap; one that saw no
      // leader already is told by core's `reason` event, so the gap ends when it goes blind.
      // A gap no leadership's end opened, closed in the turn that opened it, was one backend
      // delivery applied in steps (a join's member snapshot, then its holder): no gap, and no floor.
      if (opening?.by !== null) {
        closedMs += now - openSince;
        floor = now;
      }
      openSince = null;
      opening = null;
    } else if (openSince === null && leaderless) {
      openSince = now;
      const gap = { by: shown };
      opening = gap;
      queueMicrotask(() => {
        if (opening === gap) opening = null;
      });
    }
    const gone = opening?.by ?? null;
    if (gone !== null && openSince !== null && !state.members.some((member) => member.id === gone)) {
      openSince = Math.min(openSince, Math.max(now - ttlMs, floor));
      opening = null; // dated back once; counted when it closes
    }
    shown = seeing ? state.leaderId : null;
  };
  update(elector.state);
  return {
    get changes() {
      return changes;
    },
    leaderlessMs: () => closedMs + (openSince === null ? 0 : clock.now() - openSince),
    leaderSince: () => sinceWall,
    update,
  };
}
