import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimLink, SimNetwork } from '../sim/network.js';
import { SimClock } from '../sim/sim-clock.js';

/**
 * The simulator's watch stream: in order whatever order the scheduler picks, pipelined as a real
 * stream is (a burst arrives one latency after it was sent, not one latency per event), and no
 * event arrives before its own crossing (head of line: a later, faster crossing waits for it).
 */
/** A stream on a link with a lasting latency; `delivered` records each event with its arrival time. */
function streamOn<E>(scheduler: fc.Scheduler, latencyMs = 200) {
  const clock = new SimClock();
  const link = new SimLink('n0', clock);
  link.latencyMs = latencyMs;
  const delivered: Array<[E, number]> = [];
  const stream = new SimNetwork(scheduler, clock, () => {}).stream<E>(link, 'members', (event) =>
    delivered.push([event, clock.now()]),
  );
  return { clock, link, stream, delivered };
}

describe('SimStream', () => {
  it('delivers a burst in order, all of it one link latency after it was sent', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (scheduler) => {
        const { clock, stream, delivered } = streamOn<number>(scheduler);
        for (let event = 1; event <= 5; event++) stream.push(event);
        await clock.advance(199);
        await scheduler.waitAll();
        expect(delivered).toEqual([]);
        await clock.advance(1);
        await scheduler.waitAll();
        expect(delivered).toEqual([1, 2, 3, 4, 5].map((event) => [event, 200]));
      }),
      { numRuns: 50, seed: 1 },
    );
  });

  it('resync replaces what is under way by the current state, which arrives one latency later', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (scheduler) => {
        const { clock, stream, delivered } = streamOn<string>(scheduler);
        stream.push('a');
        stream.push('b');
        await clock.advance(100);
        stream.resync('snapshot');
        await clock.advance(100);
        await scheduler.waitAll();
        // What was under way when the watch was replaced never arrives.
        expect(delivered).toEqual([]);
        await clock.advance(100);
        await scheduler.waitAll();
        expect(delivered).toEqual([['snapshot', 300]]);
      }),
      { numRuns: 50, seed: 1 },
    );
  });

  it('no event arrives before its own crossing: a later, faster one (latency lowered, a slow link let go) waits for it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (scheduler) => {
        const { clock, link, stream, delivered } = streamOn<number>(scheduler, 2000);
        stream.push(1);
        await clock.advance(10);
        link.latencyMs = 0;
        stream.push(2);
        link.slow = true;
        stream.push(3);
        link.unslow();
        await scheduler.waitAll();
        expect(delivered).toEqual([]);
        await clock.advance(1990);
        await scheduler.waitAll();
        expect(delivered).toEqual([
          [1, 2000],
          [2, 2000],
          [3, 2000],
        ]);
      }),
      { numRuns: 50, seed: 1 },
    );
  });

  it('a stream that falls behind holds what arrives, in order, until the lag ends (or lag(0))', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (scheduler) => {
        const { clock, stream, delivered } = streamOn<number>(scheduler);
        stream.lag(1000);
        stream.push(1);
        stream.push(2);
        await clock.advance(999);
        await scheduler.waitAll();
        expect(delivered).toEqual([]);
        await clock.advance(1);
        await scheduler.waitAll();
        expect(delivered).toEqual([
          [1, 1000],
          [2, 1000],
        ]);
        stream.lag(5000);
        stream.push(3);
        await clock.advance(300);
        await scheduler.waitAll();
        stream.lag(0);
        await scheduler.waitAll();
        expect(delivered.at(-1)).toEqual([3, 1300]);
      }),
      { numRuns: 50, seed: 1 },
    );
  });

  it('lags: a longer one extends, a shorter one changes nothing, an ended one leaves no timer to cut a later one short', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (scheduler) => {
        const { clock, stream, delivered } = streamOn<number>(scheduler);
        stream.lag(1000);
        stream.lag(300); // shorter: the lag still ends at 1000
        stream.lag(1500); // longer: now at 1500
        stream.push(1);
        await clock.advance(1499);
        await scheduler.waitAll();
        expect(delivered).toEqual([]);
        await clock.advance(1);
        await scheduler.waitAll();
        expect(delivered).toEqual([[1, 1500]]);

        // Ended early by lag(0), a lag's timer is gone: it cannot end the next lag at its old time.
        stream.lag(1000); // would end at 2500
        stream.lag(0);
        stream.lag(2000); // ends at 3500
        stream.push(2);
        await clock.advance(1500);
        await scheduler.waitAll();
        expect(delivered).toHaveLength(1);
        await clock.advance(500);
        await scheduler.waitAll();
        expect(delivered.at(-1)).toEqual([2, 3500]);
        // close() ends a lag and leaves no timer behind.
        stream.lag(1000);
        stream.close();
        expect(clock.pending()).toBe(0);
      }),
      { numRuns: 30, seed: 1 },
    );
  });

  it('a lag stays across a resync; what arrived before a cut is delivered, what lands during one is lost', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (scheduler) => {
        const { clock, link, stream, delivered } = streamOn<string>(scheduler);
        stream.lag(1000);
        stream.resync('snapshot');
        await clock.advance(999);
        await scheduler.waitAll();
        expect(delivered).toEqual([]);
        await clock.advance(1);
        await scheduler.waitAll();
        expect(delivered).toEqual([['snapshot', 1000]]);

        stream.lag(1000); // until 2000
        stream.push('arrived'); // lands at 1200, held
        await clock.advance(500);
        await scheduler.waitAll();
        link.cut = true;
        await clock.advance(500);
        await scheduler.waitAll();
        // In the process's buffer before the cut: delivered when the lag ends, cut or not.
        expect(delivered.at(-1)).toEqual(['arrived', 2000]);
        link.cut = false;
        stream.push('in flight');
        link.cut = true; // lands while cut off: lost
        await clock.advance(200);
        await scheduler.waitAll();
        link.cut = false;
        await clock.advance(1000);
        await scheduler.waitAll();
        expect(delivered.map(([event]) => event)).toEqual(['snapshot', 'arrived']);
      }),
      { numRuns: 30, seed: 1 },
    );
  });
});
