import type { DemotionReason, ElectionState, Elector, Unsubscribe } from '@election/core';
import type { Logger } from 'pino';

interface Step {
  readonly from: string | null;
  demotion?: DemotionReason;
  elected?: boolean;
}

/** Why the leader changed, as well as this node can tell. */
function reasonFor(step: Step, state: ElectionState): string {
  if (step.elected) return 'elected';
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
 * Writes exactly one line per leadership change: `{ event: 'leader-changed', leaderId, term, reason }`.
 * Core reports a handover as two steps (old leader → none → new leader) within one synchronous
 * evaluation; the steps are gathered until the microtask queue drains and logged as one change.
 */
export function logLeadershipChanges(elector: Elector, logger: Logger): Unsubscribe {
  let known = { leaderId: elector.state.leaderId, term: elector.state.term };
  let step: Step | undefined;
  const flush = () => {
    const current = step;
    step = undefined;
    if (!current) return;
    const state = elector.state;
    if (state.leaderId === known.leaderId && state.term === known.term) return; // went and came back
    known = { leaderId: state.leaderId, term: state.term };
    logger.info(
      {
        event: 'leader-changed',
        leaderId: state.leaderId,
        previousLeaderId: current.from,
        term: state.term?.toString() ?? null,
        reason: reasonFor(current, state),
        isLeader: state.isLeader,
      },
      state.leaderId === null ? 'no leader' : state.isLeader ? 'this node leads' : `${state.leaderId} leads`,
    );
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
