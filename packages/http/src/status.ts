import type { Clock, ElectionReason, Elector } from '@election/core';

/** A reason with its term (a bigint) as a decimal string; distributes over the union. */
type WithStringTerm<R> = R extends { readonly term: bigint | null }
  ? Omit<R, 'term'> & { readonly term: string | null }
  : R;

/** `ElectionReason` as JSON: terms as decimal strings, clock times as they are. */
export type ElectionReasonJson = WithStringTerm<ElectionReason>;

/** One member as the page lists it, in election order. */
export interface RankedMember {
  readonly id: string;
  readonly priority: number;
  readonly observer: boolean;
  readonly leader: boolean;
  /** This node. */
  readonly self: boolean;
}

/** The body of `GET /status`. */
export interface ElectionStatus {
  readonly id: string;
  readonly leaderId: string | null;
  readonly isLeader: boolean;
  /** The fencing token as a decimal string, or null (view mode, no leader). */
  readonly term: string | null;
  /** Member ids in election order (electable by rank, then observers). */
  readonly members: readonly string[];
  readonly phase: string;
  readonly backend: string;
  readonly mode: string;
  /** Why this node is or is not the leader, as the typed value. */
  readonly reason: ElectionReasonJson;
  /** The same, in a sentence for people. */
  readonly reasonText: string;
  /** While leading: ms until the lease deadline unless renewed; null when not leading or the backend has no lease (static). */
  readonly leaseRemainingMs: number | null;
  /** The members with what the page shows of them, in election order. */
  readonly ranking: readonly RankedMember[];
  /**
   * Wall-clock ms since when the current leader leads: exact on the leader itself, else when this
   * node first saw it lead. Null with no leader.
   */
  readonly leaderSince: number | null;
}

const seconds = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(1)} s`;

const BECAUSE = {
  priority: 'it has a lower priority',
  'id-order': 'its id sorts first (UTF-8 byte order)',
  'custom-order': 'it sorts first by the custom order',
} as const;

/** `reason` in one sentence; `now` is the elector clock's time, for durations. */
export function describeReason(reason: ElectionReason, now: number): string {
  switch (reason.kind) {
    case 'idle':
      return 'Not started.';
    case 'joining':
      return reason.attempt === 0
        ? 'Joining the membership.'
        : `Joining: the backend has failed for ${seconds(now - reason.since)} (attempt ${reason.attempt})${reason.lastError ? `: ${reason.lastError}` : '.'}`;
    case 'backend-unreachable':
      return `The backend has not acknowledged a renewal for ${seconds(now - reason.since)}; not leading, still renewing the same registration${reason.lastError ? `: ${reason.lastError}` : '.'}`;
    case 'duplicate-id':
      return `Another live node holds this id (for ${seconds(now - reason.since)}); retrying, never leading meanwhile: ${reason.message}`;
    case 'observer':
      return 'Joined as an observer: never elected.';
    case 'no-candidates':
      return 'No member in view can be elected.';
    case 'outranked':
      return `Outranked by ${reason.by}: ${BECAUSE[reason.because]}.`;
    case 'lock-held-by':
      return `Elected by the view, but ${reason.id} holds the leader lock${reason.term === null ? '' : ` (term ${reason.term})`}; its lease can expire within ${seconds(reason.expiresWithinMs)}.`;
    case 'acquiring':
      return 'Elected by the view; taking the leader lock.';
    case 'leading':
      return reason.term === null
        ? 'Leading (view mode, no fencing token).'
        : `Leading, term ${reason.term}.`;
    case 'handover-pending':
      return `Leading; ${reason.to} ranks first, handing over in ${seconds(reason.inMs)}.`;
    case 'stopped':
      return 'Stopped.';
  }
}

function reasonJson(reason: ElectionReason): ElectionReasonJson {
  if (reason.kind === 'lock-held-by' || reason.kind === 'leading') {
    return { ...reason, term: reason.term?.toString() ?? null } as ElectionReasonJson;
  }
  return reason as ElectionReasonJson;
}

/**
 * What `GET /status` answers and what `/events` streams, read from one fresh snapshot. `seenSince`:
 * wall-clock ms when this node first saw the current leader (the handler tracks it).
 */
export function electionStatus(
  elector: Elector,
  clock: Clock,
  seenSince: number | null = null,
): ElectionStatus {
  const state = elector.state;
  const now = clock.now();
  // On the leader, the phase's start on the elector's clock, as wall-clock time.
  const leaderSince = state.isLeader
    ? Date.now() - (now - state.since)
    : state.leaderId === null
      ? null
      : seenSince;
  return {
    id: state.id,
    leaderId: state.leaderId,
    isLeader: state.isLeader,
    term: state.term?.toString() ?? null,
    members: state.members.map((member) => member.id),
    phase: state.phase,
    backend: elector.backend,
    mode: elector.mode,
    reason: reasonJson(state.reason),
    reasonText: describeReason(state.reason, now),
    // A backend without leases (static) gives an infinite deadline: no lease to show.
    leaseRemainingMs:
      state.isLeader && state.leaseDeadline !== null && Number.isFinite(state.leaseDeadline)
        ? Math.max(0, Math.round(state.leaseDeadline - now))
        : null,
    ranking: state.members.map((member) => ({
      id: member.id,
      priority: member.priority ?? 0,
      observer: member.observer === true,
      leader: member.id === state.leaderId,
      self: member.id === state.id,
    })),
    leaderSince: leaderSince === null ? null : Math.round(leaderSince),
  };
}
