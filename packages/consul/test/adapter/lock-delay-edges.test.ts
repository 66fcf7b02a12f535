import type { LockHolder } from '@election/core';
import { createManualClock } from '@election/testing';
import { describe, expect, it } from 'vitest';
import { LOCK_DELAY_RECHECK_MS, LockDelayTracker } from '../../src/lock-delay.js';
import { decodeHolder } from '../../src/member-codec.js';

function tracker(selfId = 'node-b', defaultLockDelayMs = 10_000) {
  const clock = createManualClock(0);
  const seen: LockHolder[] = [];
  const t = new LockDelayTracker({ clock, selfId, defaultLockDelayMs, emit: (h) => seen.push(h) });
  return { clock, seen, t };
}

describe('LockDelayTracker edges', () => {
  it('refused() after stop() arms no timer (a late acquire answer must not keep the process alive)', () => {
    // Reachable: ConsulLeaderLock.tryAcquire calls lockDelayed() after `await api.get(...)`; a
    // session ended (#end -> tracker.stop()) between that answer and its continuation then arms a
    // timer of up to the lock-delay on a stopped session.
    const { clock, t } = tracker();
    t.observe({ id: 'node-a', token: 7n, session: 's-a', lockDelayMs: 10_000 });
    t.observe(null);
    t.stop();
    t.refused();
    expect(clock.pendingTimers()).toBe(0);
  });

  it("a lock-delay above Consul's 60 s cap, read from the leader key's value, is not believed", async () => {
    // The value is written by any peer (or by hand); Consul never enforces more than 60 s
    // (structs.MaxLockDelay), so the follower should ask again by 60 s (+ one recheck step).
    const decoded = decodeHolder('p/e/leader', JSON.stringify({ id: 'node-a', lockDelayMs: 1e12 }));
    expect(decoded).not.toBeInstanceOf(Error);
    const lockDelayMs = (decoded as { lockDelayMs: number | undefined }).lockDelayMs;
    const { clock, seen, t } = tracker();
    t.observe({ id: 'node-a', token: 7n, session: 's-a', lockDelayMs });
    t.observe(null);
    t.refused();
    await clock.advance(60_000 + LOCK_DELAY_RECHECK_MS);
    expect(seen.at(-1)).toBeNull();
  });
});
