import { type Elector, LeadershipLostError, runWhileLeader, sleep, systemClock } from '@election/core';
import type { Logger } from 'pino';

/** A write refused because a newer leader has written since: the writer's term is stale. */
export class StaleTermError extends Error {
  override readonly name = 'StaleTermError';
}

/**
 * Stands in for the system a leader writes to (a database, a queue, an API). Fencing only works if
 * *that* system checks the term: it remembers the highest term it has accepted and refuses anything
 * older, so a paused or partitioned ex-leader that wakes up cannot overwrite its successor's work.
 * With SQL this is `UPDATE jobs SET ..., fence = $term WHERE id = $id AND fence <= $term`.
 */
export class FencedLedger {
  #highest = -1n;
  readonly entries: Array<{ readonly term: bigint; readonly entry: string }> = [];

  write(term: bigint, entry: string): void {
    if (term < this.#highest) {
      throw new StaleTermError(`term ${term} is older than term ${this.#highest}, which already wrote here.`);
    }
    this.#highest = term;
    this.entries.push({ term, entry });
  }
}

export interface LeaderTaskOptions {
  readonly ledger: FencedLedger;
  /** Time between two units of leader-only work, ms. */
  readonly intervalMs: number;
  /** Ends the task loop (on shutdown). */
  readonly signal: AbortSignal;
}

/**
 * The leader-only work of the example: every `intervalMs`, one fenced write. `runWhileLeader` starts it
 * on election and aborts `signal` the moment leadership ends (demotion, lease deadline, stop), so the
 * loop must check the signal before every step. In view mode there is no term (null): the work runs
 * unfenced, and two leaders during a partition could both write.
 */
export function startLeaderTask(elector: Elector, logger: Logger, options: LeaderTaskOptions): Promise<void> {
  return runWhileLeader(
    elector,
    async (signal, term) => {
      logger.info(
        { event: 'leader-task-started', term: term?.toString() ?? null },
        'leader-only task started',
      );
      if (term === null)
        logger.warn('view mode: no fencing token, so this work is not fenced; use etcd or consul');
      let step = 0;
      while (!signal.aborted) {
        step += 1;
        if (term !== null) options.ledger.write(term, `step ${step} by ${elector.id}`);
        logger.debug({ term: term?.toString() ?? null, step }, 'leader-only work done');
        await sleep(systemClock, options.intervalMs, signal).catch(() => {});
      }
      const why =
        signal.reason instanceof LeadershipLostError ? signal.reason.message : String(signal.reason);
      logger.info({ event: 'leader-task-stopped', term: term?.toString() ?? null, steps: step }, why);
    },
    { signal: options.signal },
  );
}
