import { describe, expect, it } from 'vitest';
import { createManualClock } from '../src/index.js';

describe('createManualClock', () => {
  it('starts at the given time and moves only when advanced', async () => {
    const clock = createManualClock(1000);
    expect(clock.now()).toBe(1000);
    await clock.advance(250);
    expect(clock.now()).toBe(1250);
  });

  it('fires due timers in time order with now() set to each due time', async () => {
    const clock = createManualClock();
    const fired: Array<[string, number]> = [];
    clock.setTimer(() => fired.push(['b', clock.now()]), 30);
    clock.setTimer(() => fired.push(['a', clock.now()]), 10);
    clock.setTimer(() => fired.push(['late', clock.now()]), 100);
    await clock.advance(50);
    expect(fired).toEqual([
      ['a', 10],
      ['b', 30],
    ]);
    expect(clock.pendingTimers()).toBe(1);
    expect(clock.now()).toBe(50);
  });

  it('fires timers due at the same time in the order they were set', async () => {
    const clock = createManualClock();
    const fired: string[] = [];
    for (const name of ['first', 'second', 'third']) clock.setTimer(() => fired.push(name), 5);
    await clock.advance(5);
    expect(fired).toEqual(['first', 'second', 'third']);
  });

  it('also fires timers that fired timers schedule inside the window', async () => {
    const clock = createManualClock();
    const ticks: number[] = [];
    const tick = () => {
      ticks.push(clock.now());
      clock.setTimer(tick, 10);
    };
    clock.setTimer(tick, 10);
    await clock.advance(45);
    expect(ticks).toEqual([10, 20, 30, 40]);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('settles promise chains started by a timer before firing the next timer', async () => {
    const clock = createManualClock();
    const log: string[] = [];
    const backendCall = async () => {
      await Promise.resolve();
      await new Promise<void>((resolve) => setImmediate(resolve));
      return 'answer';
    };
    clock.setTimer(() => {
      void backendCall().then((value) => log.push(`${value} at ${clock.now()}`));
    }, 10);
    clock.setTimer(() => log.push(`second timer at ${clock.now()}`), 11);
    await clock.advance(20);
    expect(log).toEqual(['answer at 10', 'second timer at 11']);
  });

  it('cancels timers, and cancelling twice or after firing is harmless', async () => {
    const clock = createManualClock();
    let fired = 0;
    const cancel = clock.setTimer(() => fired++, 10);
    const ran = clock.setTimer(() => fired++, 5);
    cancel();
    cancel();
    await clock.advance(20);
    ran();
    expect(fired).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('treats negative and NaN delays as zero, like setTimeout', async () => {
    const clock = createManualClock(100);
    const at: number[] = [];
    clock.setTimer(() => at.push(clock.now()), -5);
    clock.setTimer(() => at.push(clock.now()), Number.NaN);
    await clock.advance(0);
    expect(at).toEqual([100, 100]);
  });

  it('serialises overlapping advance() calls', async () => {
    const clock = createManualClock();
    const fired: number[] = [];
    clock.setTimer(() => fired.push(clock.now()), 15);
    await Promise.all([clock.advance(10), clock.advance(10)]);
    expect(clock.now()).toBe(20);
    expect(fired).toEqual([15]);
  });

  it('rejects a bad advance and reports a throwing timer after running the rest of the window', async () => {
    const clock = createManualClock();
    await expect(clock.advance(-1)).rejects.toThrow(/finite number >= 0/);
    let later = false;
    clock.setTimer(() => {
      throw new Error('boom');
    }, 1);
    clock.setTimer(() => {
      later = true;
    }, 2);
    await expect(clock.advance(5)).rejects.toThrow('boom');
    expect(later).toBe(true);
    expect(clock.now()).toBe(5);
  });

  it('flush() runs timers due now without moving time', async () => {
    const clock = createManualClock(7);
    let fired = false;
    clock.setTimer(() => {
      fired = true;
    }, 0);
    await clock.flush();
    expect(fired).toBe(true);
    expect(clock.now()).toBe(7);
  });
});
