import type { LockHolder } from '@election/core';
import { createManualClock } from '@election/testing';
import { describe, expect, it } from 'vitest';
import { LOCK_DELAY_RECHECK_MS, LockDelayTracker } from '../../src/lock-delay.js';

const holding = (id: string, token: bigint, lockDelayMs?: number) => ({
  id,
  token,
  session: `s-${id}`,
  lockDelayMs,
});

function tracker(selfId = 'node-b', defaultLockDelayMs = 10_000) {
  const clock = createManualClock(0);
  const seen: LockHolder[] = [];
  const t = new LockDelayTracker({ clock, selfId, defaultLockDelayMs, emit: (h) => seen.push(h) });
  return { clock, seen, t };
}

describe('LockDelayTracker: the leader key under lock-delay, as the holder watch reports it', () => {
  it('after a refused acquire, reports the ended holding until the time the key was seen free plus its lock-delay, then the key free', async () => {
    const { clock, seen, t } = tracker();
    t.observe(holding('node-a', 7n, 4_000));
    await clock.advance(1_000);
    t.observe(null); // the watch shows the key gone at 1 s
    await clock.advance(500);
    t.refused(); // acquire refused at 1.5 s
    expect(seen).toEqual([{ id: 'node-a', token: 7n }, null, { id: 'node-a', token: 7n }]);
    await clock.advance(3_499); // 4.999 s
    expect(seen.at(-1)).toEqual({ id: 'node-a', token: 7n });
    await clock.advance(1); // 5 s = 1 s + 4 s
    expect(seen.at(-1)).toBeNull();
  });

  it("a holding that does not say its lock-delay is assumed to have this node's own", async () => {
    const { clock, seen, t } = tracker('node-b', 2_000);
    t.observe(holding('node-a', 7n));
    t.observe(null);
    t.refused();
    await clock.advance(1_999);
    expect(seen.at(-1)).not.toBeNull();
    await clock.advance(1);
    expect(seen.at(-1)).toBeNull();
  });

  it('an estimate that proved early (refused again after it) rechecks every 500 ms, not at once', async () => {
    const { clock, seen, t } = tracker();
    t.observe(holding('node-a', 7n, 1_000));
    t.observe(null);
    await clock.advance(2_000);
    t.refused();
    expect(seen.at(-1)).toEqual({ id: 'node-a', token: 7n });
    await clock.advance(LOCK_DELAY_RECHECK_MS - 1);
    expect(seen.at(-1)).not.toBeNull();
    await clock.advance(1);
    expect(seen.at(-1)).toBeNull();
  });

  it("does nothing without a holding of another node to report (none seen, or this node's own)", async () => {
    const none = tracker();
    none.t.observe(null);
    none.t.refused();
    expect(none.seen).toEqual([null]);
    const own = tracker('node-a');
    own.t.observe(holding('node-a', 7n, 1_000));
    own.t.observe(null);
    own.t.refused();
    expect(own.seen).toEqual([{ id: 'node-a', token: 7n }, null]);
  });

  it('a new holder seen meanwhile ends the report at once; stop() cancels the timer', async () => {
    const { clock, seen, t } = tracker();
    t.observe(holding('node-a', 7n, 10_000));
    t.observe(null);
    t.refused();
    t.observe(holding('node-c', 9n, 10_000));
    expect(seen.at(-1)).toEqual({ id: 'node-c', token: 9n });
    t.observe(null);
    t.refused();
    t.stop();
    const before = seen.length;
    await clock.advance(20_000);
    expect(seen).toHaveLength(before);
  });
});
