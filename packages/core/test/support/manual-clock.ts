import type { Clock } from '../../src/index.js';

/** Core's own test clock: `advance` fires timers in order, `pause` moves time without firing any. */
export interface TestClock extends Clock {
  advance(ms: number): Promise<void>;
  /** Time passes but no timer runs: a process frozen by SIGSTOP, seen from inside. */
  pause(ms: number): void;
  /** Timers scheduled and neither fired nor cancelled. */
  pendingTimers(): number;
}

/** A test clock pair: the monotonic `now()` and a wall clock that advances with it. */
export interface TestClockPair extends TestClock {
  wallNow(): number;
  /** The machine sleeps: the wall clock moves on, the monotonic one does not, no timer runs. */
  suspend(ms: number): void;
  /** Someone sets the wall clock (negative: back); the monotonic clock does not notice. */
  stepWall(ms: number): void;
}

/** `createTestClock` with a wall clock, as the system clock has (Date.now()). */
export function createTestClockPair(start = 1_000_000, wallStart = 1_700_000_000_000): TestClockPair {
  const clock = createTestClock(start);
  let offset = wallStart - start;
  return {
    ...clock,
    wallNow: () => clock.now() + offset,
    suspend(ms) {
      offset += ms;
    },
    stepWall(ms) {
      offset += ms;
    },
  };
}

export function createTestClock(start = 1_000_000): TestClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const flush = async () => {
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  return {
    now: () => now,
    setTimer(fn, ms) {
      const id = seq++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return () => timers.delete(id);
    },
    pause(ms) {
      now += ms;
    },
    pendingTimers: () => timers.size,
    async advance(ms) {
      const until = now + ms;
      await flush();
      for (;;) {
        let next: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers)
          if (entry[1].at <= until && (!next || entry[1].at < next[1].at)) next = entry;
        if (!next) break;
        timers.delete(next[0]);
        now = Math.max(now, next[1].at);
        next[1].fn();
        await flush();
      }
      now = until;
      await flush();
    },
  };
}
