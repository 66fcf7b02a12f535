import type { Elector, Unsubscribe } from '@election/core';
import { onLeadershipChange } from '@election/http';
import type { Logger } from 'pino';

/**
 * Writes exactly one line per leadership change: `{ event: 'leader-changed', leaderId, term, reason }`.
 * `onLeadershipChange` gathers the steps of one evaluation (old leader → none → new leader) into one.
 */
export function logLeadershipChanges(elector: Elector, logger: Logger): Unsubscribe {
  return onLeadershipChange(elector, ({ at: _at, ...change }) => {
    logger.info(
      { event: 'leader-changed', ...change },
      change.leaderId === null
        ? 'no leader'
        : change.isLeader
          ? 'this node leads'
          : `${change.leaderId} leads`,
    );
  });
}
