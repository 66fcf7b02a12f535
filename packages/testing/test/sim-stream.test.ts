import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimLink, SimNetwork } from '../sim/network.js';
import { SimClock } from '../sim/sim-clock.js';

/**
 * The simulator's watch stream: in order whatever order the scheduler picks, and pipelined as a
 * real stream is (a burst arrives one latency after it was sent, not one latency per event).
 */
/** A stream on a link with a lasting 200 ms latency; `delivered` records each event with its arrival time. */
function streamOn<E>(scheduler: fc.Scheduler) {
  const clock = new SimClock();
  const link = new SimLink('n0', clock);
  link.latencyMs = 200;
  const delivered: Array<[E, number]> = [];
  const stream = new SimNetwork(scheduler, clock, () => {}).stream<E>(link, 'members', (event) =>
    delivered.push([event, clock.now()]),
  );
  return { clock, stream, delivered };
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
});
