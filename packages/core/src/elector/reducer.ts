import type { DemotionReason, ElectionReason, ElectorEvent, ElectorPhase } from './types.js';

/** The elector's plain state; the only way to change it is `reduce`. */
export interface CoreState {
  readonly id: string;
  readonly phase: ElectorPhase;
  readonly since: number;
  readonly leaderId: string | null;
  readonly term: bigint | null;
  /** Set while phase is `leader`: when leadership ends unless the registration is renewed. */
  readonly leaseDeadline: number | null;
  readonly memberCount: number;
  readonly reason: ElectionReason;
}

export type Action =
  | { readonly type: 'phase'; readonly phase: ElectorPhase; readonly at: number }
  | { readonly type: 'leader-observed'; readonly leaderId: string | null; readonly term: bigint | null }
  | {
      readonly type: 'elected';
      readonly term: bigint | null;
      readonly leaseDeadline: number;
      readonly at: number;
    }
  | { readonly type: 'renewed'; readonly leaseDeadline: number }
  | {
      readonly type: 'demoted';
      readonly reason: DemotionReason;
      readonly phase: ElectorPhase;
      readonly at: number;
    }
  | { readonly type: 'members'; readonly memberCount: number }
  | { readonly type: 'reason'; readonly reason: ElectionReason };

export const initialState = (id: string, at: number): CoreState => ({
  id,
  phase: 'idle',
  since: at,
  leaderId: null,
  term: null,
  leaseDeadline: null,
  memberCount: 0,
  reason: { kind: 'idle' },
});

export interface Reduction {
  readonly state: CoreState;
  readonly events: readonly ElectorEvent[];
}

/**
 * Once stopping, only the stop moves the state on: a decision step that was under way when a
 * listener called stop() (on `elected`, `demoted`, `joining`) must not bring back a phase, a
 * leadership or a reason. The stop itself goes stopping → stopped, clears the leader, says `stopped`.
 */
function afterStop(state: CoreState, action: Action): boolean {
  if (state.phase !== 'stopping' && state.phase !== 'stopped') return true;
  switch (action.type) {
    case 'phase':
      return state.phase === 'stopping' && action.phase === 'stopped';
    case 'leader-observed':
      return action.leaderId === null;
    case 'reason':
      return action.reason.kind === 'stopped';
    case 'members':
      return true;
    default:
      return false;
  }
}

/** Pure: the next state and the events that describe the step. A no-op action yields no events. */
export function reduce(state: CoreState, action: Action): Reduction {
  const events: ElectorEvent[] = [];
  if (!afterStop(state, action)) return { state, events };
  let next = state;
  switch (action.type) {
    case 'phase':
      next = enterPhase(next, action.phase, action.at, events);
      break;
    case 'leader-observed':
      next = observeLeader(next, action.leaderId, action.term, events);
      break;
    case 'elected':
      if (state.phase === 'leader') break;
      events.push({ type: 'elected', term: action.term });
      next = observeLeader(next, state.id, action.term, events);
      next = enterPhase({ ...next, leaseDeadline: action.leaseDeadline }, 'leader', action.at, events);
      break;
    case 'renewed':
      if (state.phase === 'leader') next = { ...state, leaseDeadline: action.leaseDeadline };
      break;
    case 'demoted':
      if (state.phase === 'leader') {
        events.push({ type: 'demoted', reason: action.reason, term: state.term });
        // Until the backend says who leads now, this node knows of no leader: never claim itself.
        next = observeLeader({ ...next, leaseDeadline: null }, null, null, events);
      }
      next = enterPhase(next, action.phase, action.at, events);
      break;
    case 'members':
      if (state.memberCount !== action.memberCount) next = { ...state, memberCount: action.memberCount };
      events.push({ type: 'members', size: action.memberCount });
      break;
    case 'reason':
      if (sameReason(state.reason, action.reason)) break;
      next = { ...state, reason: action.reason };
      // A new kind is news (blind, back, outranked, observer…): subscribers see it when it happens.
      // Details within a kind (a retry's attempt, a countdown) change often and ride on the next event.
      if (state.reason.kind !== action.reason.kind)
        events.push({ type: 'reason', reason: action.reason, previousKind: state.reason.kind });
      break;
  }
  return { state: next, events };
}

function enterPhase(state: CoreState, phase: ElectorPhase, at: number, events: ElectorEvent[]): CoreState {
  if (state.phase === phase) return state;
  events.push({ type: 'phase', phase, previousPhase: state.phase });
  return { ...state, phase, since: at };
}

function observeLeader(
  state: CoreState,
  leaderId: string | null,
  term: bigint | null,
  events: ElectorEvent[],
): CoreState {
  if (state.leaderId === leaderId && state.term === term) return state;
  events.push({ type: 'leader', leaderId, term, previousLeaderId: state.leaderId });
  return { ...state, leaderId, term };
}

function sameReason(a: ElectionReason, b: ElectionReason): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  const left = a as unknown as Record<string, unknown>;
  const right = b as unknown as Record<string, unknown>;
  return Object.keys(left).every((key) => left[key] === right[key]);
}
