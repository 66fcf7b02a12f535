import { type Clock, ConfigurationError } from '@election/core';
import { SOURCE } from '../source.js';

/** A Clock that moves only when a test tells it to, so timing-dependent code runs fast and the same way every time. */
export interface ManualClock extends Clock {
  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way (including timers those
   * timers schedule) in due-time order, each with `now()` set to its due time. Promise jobs are
   * flushed before the first timer, between timers and at the end, so async chains started by a
   * timer (a backend call and its continuation) settle before the next one fires.
   * Calls made while an advance is running wait for it, then move time on from where it ended.
   * Rejects with the first error a timer callback threw, after the whole window has run.
   */
  advance(ms: number): Promise<void>;
  /** Lets pending promise jobs settle and fires timers due now, without moving time. */
  flush(): Promise<void>;
  /** Timers scheduled and neither fired nor cancelled. */
  pendingTimers(): number;
}

interface Timer {
  readonly due: number;
  /** Breaks ties between timers due at the same time: first scheduled fires first, as in Node. */
  readonly order: number;
  readonly fn: () => void;
}

/**
 * One macrotask turn drains every queued microtask; a few turns also let continuations that were
 * themselves queued behind `setImmediate` (some libraries defer that way) finish.
 */
const SETTLE_TURNS = 3;

async function settlePromiseJobs(): Promise<void> {
  for (let i = 0; i < SETTLE_TURNS; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

export function createManualClock(startMs = 0): ManualClock {
  if (!Number.isFinite(startMs)) {
    throw new ConfigurationError(
      `createManualClock(startMs): startMs must be a finite number, got ${startMs}.`,
      {
        source: SOURCE,
      },
    );
  }
  let current = startMs;
  let nextOrder = 0;
  const timers = new Map<number, Timer>();
  // Serialises advance()/flush() so two callers never interleave their windows.
  let queue: Promise<void> = Promise.resolve();

  function earliestDue(limit: number): [number, Timer] | undefined {
    let best: [number, Timer] | undefined;
    for (const entry of timers) {
      const timer = entry[1];
      if (timer.due > limit) continue;
      if (
        best === undefined ||
        timer.due < best[1].due ||
        (timer.due === best[1].due && timer.order < best[1].order)
      ) {
        best = entry;
      }
    }
    return best;
  }

  async function runUntil(target: number): Promise<void> {
    const errors: unknown[] = [];
    await settlePromiseJobs();
    for (let next = earliestDue(target); next !== undefined; next = earliestDue(target)) {
      const [key, timer] = next;
      timers.delete(key);
      current = Math.max(current, timer.due);
      try {
        timer.fn();
      } catch (error) {
        errors.push(error);
      }
      await settlePromiseJobs();
    }
    current = Math.max(current, target);
    await settlePromiseJobs();
    if (errors.length > 0) throw errors[0];
  }

  function enqueue(work: () => Promise<void>): Promise<void> {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  }

  return {
    now: () => current,
    setTimer(fn, ms) {
      // Like setTimeout: a negative or NaN delay means "as soon as possible".
      const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
      const key = nextOrder++;
      timers.set(key, { due: current + delay, order: key, fn });
      return () => {
        timers.delete(key);
      };
    },
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) {
        return Promise.reject(
          new ConfigurationError(`clock.advance(ms): ms must be a finite number >= 0, got ${ms}.`, {
            source: SOURCE,
          }),
        );
      }
      return enqueue(() => runUntil(current + ms));
    },
    flush: () => enqueue(() => runUntil(current)),
    pendingTimers: () => timers.size,
  };
}
