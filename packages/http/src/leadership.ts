import type { DemotionReason, ElectionState, Elector, Unsubscribe } from '@election/core';

/**
 * Why the leader changed, as well as this node can tell: `elected` (this node took over), a
 * demotion reason of this node (`handover`, `deadline`, `session-lost`, `lock-lost`,
 * `view-changed`, `stopped`), or what it saw of another: `leader-found`, `leader-left`,
 * `leader-stepped-down`, `outranked`, `new-term`, `rejoining`.
 */
export type LeadershipChangeReason =
  | 'elected'
  | DemotionReason
  | 'rejoining'
  | 'new-term'
  | 'leader-found'
  | 'leader-left'
  | 'leader-stepped-down'
  | 'outranked';

/** One change of leadership as this node saw it. */
export interface LeadershipChange {
  /** Wall-clock time (`Date.now()`) when it was seen. */
  readonly at: number;
  readonly leaderId: string | null;
  readonly previousLeaderId: string | null;
  /** The fencing token as a decimal string (exact beyond 2^53), or null (view mode, no leader). */
  readonly term: string | null;
  readonly reason: LeadershipChangeReason;
  /** Whether this node leads after the change. */
  readonly isLeader: boolean;
}

interface Step {
  readonly from: string | null;
  demotion?: DemotionReason;
  elected?: boolean;
}

function reasonFor(step: Step, state: ElectionState): LeadershipChangeReason {
  // The lock holder can be seen (watch) before the answer to this node's own acquire arrives.
  if (step.elected || (state.leaderId !== null && state.leaderId === state.id)) return 'elected';
  if (step.demotion) return step.demotion;
  if (state.phase === 'stopping' || state.phase === 'stopped') return 'stopped';
  if (state.phase === 'joining') return 'rejoining';
  if (state.leaderId === step.from) return 'new-term';
  if (step.from === null) return 'leader-found';
  const previousStillHere = state.members.some((member) => member.id === step.from);
  if (state.leaderId === null) return previousStillHere ? 'leader-stepped-down' : 'leader-left';
  return previousStillHere ? 'outranked' : 'leader-left';
}

/**
 * Calls `listener` exactly once per change of leader (or of term) that this node sees. Core reports
 * a handover as two steps (old leader → none → new leader) within one synchronous evaluation; the
 * steps are gathered until the microtask queue drains and reported as one change.
 */
export function onLeadershipChange(
  elector: Elector,
  listener: (change: LeadershipChange) => void,
): Unsubscribe {
  let known = { leaderId: elector.state.leaderId, term: elector.state.term };
  let step: Step | undefined;
  const flush = () => {
    const current = step;
    step = undefined;
    if (!current) return;
    const state = elector.state;
    if (state.leaderId === known.leaderId && state.term === known.term) return; // went and came back
    known = { leaderId: state.leaderId, term: state.term };
    listener({
      at: Date.now(),
      leaderId: state.leaderId,
      previousLeaderId: current.from,
      term: state.term?.toString() ?? null,
      reason: reasonFor(current, state),
      isLeader: state.isLeader,
    });
  };
  return elector.subscribe((event) => {
    if (event.type !== 'leader' && event.type !== 'elected' && event.type !== 'demoted') return;
    if (!step) {
      step = { from: known.leaderId };
      queueMicrotask(flush);
    }
    if (event.type === 'elected') step.elected = true;
    if (event.type === 'demoted') step.demotion = event.reason;
  });
}
