import { type Elector, systemClock, type Unsubscribe } from '@election/core';
import { describeReason, onLeadershipChange } from '@election/http';
import type { Logger } from 'pino';

/**
 * Writes exactly one line per leadership change: `{ event: 'leader-changed', leaderId, term, reason,
 * why }`, where `why` says in a sentence why this node is or is not the leader now (state.reason).
 * `onLeadershipChange` gathers the steps of one evaluation (old leader → none → new leader) into one.
 */
export function logLeadershipChanges(elector: Elector, logger: Logger): Unsubscribe {
  return onLeadershipChange(elector, ({ at: _at, ...change }) => {
    logger.info(
      { event: 'leader-changed', ...change, why: describeReason(elector.state.reason, systemClock.now()) },
      change.leaderId === null
        ? 'no leader'
        : change.isLeader
          ? 'this node leads'
          : `${change.leaderId} leads`,
    );
  });
}
