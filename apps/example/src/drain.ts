import type { Elector } from '@election/core';
import type { Logger } from 'pino';

/** The rank a drained node takes: below every member an operator would configure. */
export const DRAIN_PRIORITY = Number.MAX_SAFE_INTEGER;

/**
 * The switchover, by signal: `kill -USR2 <pid>` drains the node (it keeps running as a member but
 * ranks below everyone, so a leader hands over at once, in one write); `kill -HUP <pid>` gives it
 * back its configured `--priority`. How to move leadership off a node before maintenance without a
 * leaderless gap. The static backend cannot change a live rank: the signal is refused with a
 * warning that says so.
 */
export function handleDrainSignals(elector: Elector, configured: number, logger: Logger): () => void {
  const set = (priority: number, event: 'drain' | 'undrain') => {
    logger.info(
      { event, priority },
      event === 'drain' ? 'draining: ranking below every member' : 'back to the configured priority',
    );
    elector.setPriority(priority).then(
      () =>
        logger.info({ event: `${event}ed`, priority, leaderId: elector.state.leaderId }, 'priority changed'),
      (error: unknown) =>
        logger.warn(
          { event: `${event}-failed`, err: error },
          `could not change the priority: ${error instanceof Error ? error.message : String(error)}`,
        ),
    );
  };
  const drain = () => set(DRAIN_PRIORITY, 'drain');
  const undrain = () => set(configured, 'undrain');
  process.on('SIGUSR2', drain);
  process.on('SIGHUP', undrain);
  return () => {
    process.off('SIGUSR2', drain);
    process.off('SIGHUP', undrain);
  };
}
