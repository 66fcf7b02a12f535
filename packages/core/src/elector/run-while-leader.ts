import { LeadershipLostError, LifecycleError } from '../errors.js';
import type { ElectionState, Elector } from './types.js';

/** Leader-only work. `signal` aborts the moment leadership ends; `term` is the fencing token to pass downstream. */
export type LeaderTask = (
  signal: AbortSignal,
  term: bigint | null,
  state: ElectionState,
) => Promise<void> | void;

export interface RunWhileLeaderOptions {
  /** Stops the loop (aborting a running task); the returned promise then resolves. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `task` each time this node becomes leader and aborts it when leadership ends (demotion,
 * deadline, stop). A task that finishes on its own is not restarted until the next leadership.
 * Resolves when the elector stops or `signal` aborts; rejects with the task's own error if it
 * fails while still leader (an error caused by the abort itself is expected and not reported).
 */
export async function runWhileLeader(
  elector: Elector,
  task: LeaderTask,
  options: RunWhileLeaderOptions = {},
): Promise<void> {
  const outer = options.signal;
  while (!outer?.aborted) {
    try {
      await elector.waitForLeadership(outer ? { signal: outer } : {});
    } catch (error) {
      if (outer?.aborted || error instanceof LifecycleError) return;
      throw error;
    }
    const leadership = new AbortController();
    const end = (reason: string) => {
      if (!leadership.signal.aborted)
        leadership.abort(
          new LeadershipLostError(`leadership of term ${state.term ?? 'view'} ended: ${reason}.`),
        );
    };
    // The term is read now, after the wait: a leadership that ended (and perhaps began again with
    // a new term) while we were scheduled never hands its stale term to the task.
    const state = elector.state;
    const unsubscribe = elector.subscribe((event, next) => {
      if (event.type === 'demoted') end(event.reason);
      else if (event.type === 'phase' && event.phase !== 'leader') end(`phase ${event.phase}`);
      else if (next.term !== state.term || next.leaderId !== state.leaderId) end('the term changed');
    });
    const onOuterAbort = () => end('runWhileLeader was aborted');
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    // The deadline is checked at read time: a leadership that ended while we were scheduled never starts.
    if (!state.isLeader) {
      unsubscribe();
      outer?.removeEventListener('abort', onOuterAbort);
      continue;
    }
    try {
      try {
        if (!leadership.signal.aborted) await task(leadership.signal, state.term, state);
      } catch (error) {
        if (!leadership.signal.aborted) throw error;
      }
      // Finished early while still leading: wait for this leadership to end before the next round.
      if (!leadership.signal.aborted) {
        await new Promise<void>((resolve) => {
          leadership.signal.addEventListener('abort', () => resolve(), { once: true });
        });
      }
    } finally {
      unsubscribe();
      outer?.removeEventListener('abort', onOuterAbort);
    }
  }
}
