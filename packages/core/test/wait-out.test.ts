import { describe, expect, it } from 'vitest';
import { DuplicateMemberError, waitOutHolder } from '../src/adapter/index.js';
import { createTestClock } from './support/manual-clock.js';
import { recordingLogger } from './support/recording-logger.js';

interface Reading {
  readonly renewals: number;
  readonly term: number;
}

/** A wait whose readings come from `readings` in turn (undefined: gone); records each read's time. */
function waiting(readings: Array<Reading | undefined>, withBound = true) {
  const clock = createTestClock(0);
  const { logger, lines } = recordingLogger();
  const controller = new AbortController();
  const reads: number[] = [];
  const done = waitOutHolder<Reading>({
    clock,
    signal: controller.signal,
    logger,
    id: 'node-a',
    fields: { lease: '7' },
    read: async () => {
      reads.push(clock.now());
      return readings.shift();
    },
    pollMs: () => 100,
    ...(withBound ? { waitMs: () => 3000 } : {}),
    judge: (reading, base) =>
      reading.term !== base.term ? 'restart' : reading.renewals !== base.renewals ? 'renewed' : 'waiting',
    duplicate: () => new DuplicateMemberError('node-a', 'renewed meanwhile'),
  });
  let outcome: string | undefined;
  done.then(
    () => {
      outcome = 'gone';
    },
    (error: Error) => {
      outcome = error.message;
    },
  );
  return { clock, lines, reads, controller, outcome: () => outcome };
}

describe('waitOutHolder', () => {
  it('a holder gone at the first reading: no wait, no log line', async () => {
    const run = waiting([undefined]);
    await run.clock.advance(0);
    expect(run.outcome()).toBe('gone');
    expect(run.lines).toEqual([]);
  });

  it('polls every pollMs until the holder is gone; one info line with the bound, one debug line at the end', async () => {
    const run = waiting([{ renewals: 0, term: 1 }, { renewals: 0, term: 1 }, undefined]);
    await run.clock.advance(0);
    expect(run.outcome()).toBeUndefined();
    await run.clock.advance(100);
    expect(run.outcome()).toBeUndefined();
    await run.clock.advance(100);
    expect(run.outcome()).toBe('gone');
    expect(run.reads).toEqual([0, 100, 200]);
    expect(run.lines.map(({ level, msg }) => `${level} ${msg}`)).toEqual([
      'info waiting up to 3000 ms for the previous registration of node-a to expire',
      'debug the previous registration expired; joining',
    ]);
    expect(JSON.parse(run.lines[0]?.fields ?? '')).toEqual({ lease: '7', waitMs: 3000 });
  });

  it('without a bound, says so without one', async () => {
    const run = waiting([{ renewals: 0, term: 1 }, undefined], false);
    await run.clock.advance(100);
    expect(run.lines[0]?.msg).toBe('waiting for the previous registration of node-a to expire');
  });

  it('a holder seen renewed is a duplicate; a restart makes the reading the new base', async () => {
    const renewed = waiting([
      { renewals: 0, term: 1 },
      { renewals: 0, term: 1 },
      { renewals: 1, term: 1 },
    ]);
    await renewed.clock.advance(200);
    expect(renewed.outcome()).toBe('[@election/core] renewed meanwhile');

    // The new term restarts the observation from its reading: its renewal count is the new base.
    const restarted = waiting([
      { renewals: 0, term: 1 },
      { renewals: 5, term: 2 },
      { renewals: 5, term: 2 },
      undefined,
    ]);
    await restarted.clock.advance(300);
    expect(restarted.outcome()).toBe('gone');
    const renewedAfter = waiting([
      { renewals: 0, term: 1 },
      { renewals: 5, term: 2 },
      { renewals: 6, term: 2 },
    ]);
    await renewedAfter.clock.advance(200);
    expect(renewedAfter.outcome()).toBe('[@election/core] renewed meanwhile');
  });

  it('aborts while waiting', async () => {
    const run = waiting([{ renewals: 0, term: 1 }]);
    await run.clock.advance(0);
    run.controller.abort(new Error('stopped'));
    await run.clock.advance(0);
    expect(run.outcome()).toBe('stopped');
  });

  it('pollMs 0: no pause between reads (a read that blocks paces itself); each read gets the base it is judged from', async () => {
    const clock = createTestClock(0);
    const { logger } = recordingLogger();
    const bases: Array<number | undefined> = [];
    // Readings that answer at once: with no pause the wait ends without the clock moving at all.
    const readings: Array<Reading | undefined> = [
      { renewals: 0, term: 1 },
      { renewals: 0, term: 2 },
      { renewals: 0, term: 2 },
      undefined,
    ];
    const done = waitOutHolder<Reading>({
      clock,
      signal: new AbortController().signal,
      logger,
      id: 'node-a',
      read: async (base) => {
        bases.push(base?.term);
        return readings.shift();
      },
      pollMs: () => 0,
      judge: (reading, base) => (reading.term !== base.term ? 'restart' : 'waiting'),
      duplicate: () => new DuplicateMemberError('node-a', 'renewed meanwhile'),
    });
    await expect(done).resolves.toBeUndefined();
    expect(clock.now()).toBe(0);
    // The restart (term 2) became the base of the reads after it.
    expect(bases).toEqual([undefined, 1, 2, 2]);

    // An abort between two reads that do not pause ends the wait before the next read.
    const aborted = new AbortController();
    let count = 0;
    const stopped = waitOutHolder<Reading>({
      clock,
      signal: aborted.signal,
      logger,
      id: 'node-a',
      read: async () => {
        count += 1;
        if (count === 2) aborted.abort(new Error('stopped'));
        return { renewals: 0, term: 1 };
      },
      pollMs: () => 0,
      judge: () => 'waiting',
      duplicate: () => new DuplicateMemberError('node-a', 'renewed meanwhile'),
    });
    await expect(stopped).rejects.toThrow('stopped');
    expect(count).toBe(2);
  });
});
