import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimLink, SimNetwork } from '../sim/network.js';
import { SimClock } from '../sim/sim-clock.js';

/**
 * The simulator's watch stream: in order whatever order the scheduler picks, pipelined as a real
 * stream is (a burst arrives one latency after it was sent, not one latency per event), and no
 * event arrives before its own crossing (head of line: a later, faster crossing waits for it).
 */

/** Runs `check` under `runs` orders of fast-check's scheduler (seed 1: the same orders every time). */
function everyOrder(check: (scheduler: fc.Scheduler) => Promise<void>, runs = 50): Promise<void> {
  return fc.assert(fc.asyncProperty(fc.scheduler(), check), { numRuns: runs, seed: 1 });
}

/** A stream on a link with a lasting latency; `delivered` records each event with its arrival time. */
function streamOn<E>(scheduler: fc.Scheduler, latencyMs = 200) {
  const clock = new SimClock();
  const link = new SimLink('n0', clock);
  link.latencyMs = latencyMs;
  const delivered: Array<[E, number]> = [];
  const stream = new SimNetwork(scheduler, clock, () => {}).stream<E>(link, 'members', (event) =>
    delivered.push([event, clock.now()]),
  );
  /** Moves the clock on `ms`, then lets every crossing that landed be delivered. */
  const after = async (ms: number) => {
    await clock.advance(ms);
    await scheduler.waitAll();
  };
  return { clock, link, stream, delivered, after };
}

describe('SimStream', () => {
  it('delivers a burst in order, all of it one link latency after it was sent', async () => {
    await everyOrder(async (scheduler) => {
      const { after, stream, delivered } = streamOn<number>(scheduler);
      for (let event = 1; event <= 5; event++) stream.push(event);
      await after(199);
      expect(delivered).toEqual([]);
      await after(1);
      expect(delivered).toEqual([1, 2, 3, 4, 5].map((event) => [event, 200]));
    });
  });

  it('resync replaces what is under way by the current state, which arrives one latency later', async () => {
    await everyOrder(async (scheduler) => {
      const { clock, after, stream, delivered } = streamOn<string>(scheduler);
      stream.push('a');
      stream.push('b');
      await clock.advance(100);
      stream.resync('snapshot');
      await after(100);
      // What was under way when the watch was replaced never arrives.
      expect(delivered).toEqual([]);
      await after(100);
      expect(delivered).toEqual([['snapshot', 300]]);
    });
  });

  it('no event arrives before its own crossing: a later, faster one (latency lowered, a slow link let go) waits for it', async () => {
    await everyOrder(async (scheduler) => {
      const { clock, after, link, stream, delivered } = streamOn<number>(scheduler, 2000);
      stream.push(1);
      await clock.advance(10);
      link.latencyMs = 0;
      stream.push(2);
      link.slow = true;
      stream.push(3);
      link.unslow();
      await scheduler.waitAll();
      expect(delivered).toEqual([]);
      await after(1990);
      expect(delivered).toEqual([
        [1, 2000],
        [2, 2000],
        [3, 2000],
      ]);
    });
  });

  it('a stream that falls behind holds what arrives, in order, until the lag ends (or lag(0))', async () => {
    await everyOrder(async (scheduler) => {
      const { after, stream, delivered } = streamOn<number>(scheduler);
      stream.lag(1000);
      stream.push(1);
      stream.push(2);
      await after(999);
      expect(delivered).toEqual([]);
      await after(1);
      expect(delivered).toEqual([
        [1, 1000],
        [2, 1000],
      ]);
      stream.lag(5000);
      stream.push(3);
      await after(300);
      stream.lag(0);
      await scheduler.waitAll();
      expect(delivered.at(-1)).toEqual([3, 1300]);
    });
  });

  it('lags: a longer one extends, a shorter one changes nothing, an ended one leaves no timer to cut a later one short', async () => {
    await everyOrder(async (scheduler) => {
      const { clock, after, stream, delivered } = streamOn<number>(scheduler);
      stream.lag(1000);
      stream.lag(300); // shorter: the lag still ends at 1000
      stream.lag(1500); // longer: now at 1500
      stream.push(1);
      await after(1499);
      expect(delivered).toEqual([]);
      await after(1);
      expect(delivered).toEqual([[1, 1500]]);

      // Ended early by lag(0), a lag's timer is gone: it cannot end the next lag at its old time.
      stream.lag(1000); // would end at 2500
      stream.lag(0);
      stream.lag(2000); // ends at 3500
      stream.push(2);
      await after(1500);
      expect(delivered).toHaveLength(1);
      await after(500);
      expect(delivered.at(-1)).toEqual([2, 3500]);
      // close() ends a lag and leaves no timer behind.
      stream.lag(1000);
      stream.close();
      expect(clock.pending()).toBe(0);
    }, 30);
  });

  it('a lag stays across a resync; what arrived before a cut is delivered, what lands during one is lost', async () => {
    await everyOrder(async (scheduler) => {
      const { after, link, stream, delivered } = streamOn<string>(scheduler);
      stream.lag(1000);
      stream.resync('snapshot');
      await after(999);
      expect(delivered).toEqual([]);
      await after(1);
      expect(delivered).toEqual([['snapshot', 1000]]);

      stream.lag(1000); // until 2000
      stream.push('arrived'); // lands at 1200, held
      await after(500);
      link.cut = true;
      await after(500);
      // In the process's buffer before the cut: delivered when the lag ends, cut or not.
      expect(delivered.at(-1)).toEqual(['arrived', 2000]);
      link.cut = false;
      stream.push('in flight');
      link.cut = true; // lands while cut off: lost
      await after(200);
      link.cut = false;
      await after(1000);
      expect(delivered.map(([event]) => event)).toEqual(['snapshot', 'arrived']);
    }, 30);
  });
});
