import { describe, expect, it } from 'vitest';
import type { LeaderLock } from '../src/index.js';
import { claimOn } from './support/claim.js';
import { createTestClock } from './support/manual-clock.js';

/**
 * Rules of the lock claim that mutants of `lock-claim.ts` survived in issue 19's measurement
 * (docs/mutation-testing.md), each pinned as behaviour: what the claim asks the backend, and when.
 */
function setup() {
  const clock = createTestClock(0);
  const calls: { kind: 'acquire' | 'release'; token?: bigint; answer: (v?: bigint | null) => void }[] = [];
  const lock: LeaderLock = {
    tryAcquire: () =>
      new Promise((resolve) => calls.push({ kind: 'acquire', answer: (v) => resolve(v ?? null) })),
    release: (token) =>
      new Promise((resolve) => calls.push({ kind: 'release', token, answer: () => resolve() })),
    watchHolder: () => () => {},
  };
  const claim = claimOn(lock, clock);
  return { clock, calls, claim, settle: () => clock.advance(0) };
}

describe('LockClaim rules the first mutation run left unpinned', () => {
  it('the smallest token (1) elects like any other', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.calls[0]?.answer(1n);
    await t.settle();
    expect(t.claim.heldToken()).toBe(1n);
  });

  it('a holding of ours the watch shows while an acquire is in flight is not released before the answer', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.claim.onHolder({ id: 'me', token: 4n }); // the acquire committed; its answer is on its way
    t.claim.reconcile(false);
    expect(t.calls.map((c) => c.kind)).toEqual(['acquire']); // one call in flight, never two
    t.calls[0]?.answer(4n);
    await t.settle();
    t.claim.reconcile(false);
    expect(t.calls.at(-1)).toMatchObject({ kind: 'release', token: 4n });
  });

  it('a release in flight is the only call: an orphan waits for its answer', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.calls[0]?.answer(4n);
    await t.settle();
    t.claim.reconcile(false); // release(4) in flight
    t.claim.onHolder({ id: 'me', token: 9n }); // another holding of ours shows up meanwhile
    t.claim.reconcile(false);
    expect(t.calls.map((c) => c.kind)).toEqual(['acquire', 'release']);
    t.calls[1]?.answer();
    await t.settle();
    t.claim.reconcile(false);
    expect(t.calls.at(-1)).toMatchObject({ kind: 'release', token: 9n });
  });

  it('older orphans are forgotten, not released, once a release of a newer holding is acknowledged', async () => {
    const t = setup();
    t.claim.onHolder({ id: 'me', token: 7n });
    t.claim.onHolder({ id: 'me', token: 5n }); // a watch restarted from an older revision
    t.claim.reconcile(false);
    expect(t.calls.at(-1)).toMatchObject({ kind: 'release', token: 7n });
    t.calls.at(-1)?.answer();
    await t.settle();
    t.claim.reconcile(false); // 7 released: every holding of ours up to 7 is gone, 5 included
    expect(t.calls).toHaveLength(1);
  });

  it('no call while backing off after a failure, then one', async () => {
    const clock = createTestClock(0);
    let acquires = 0;
    const lock: LeaderLock = {
      tryAcquire: async () => {
        acquires++;
        throw new Error('unreachable');
      },
      release: async () => {},
      watchHolder: () => () => {},
    };
    const claim = claimOn(lock, clock);
    claim.reconcile(true);
    await clock.advance(0);
    claim.reconcile(true);
    await clock.advance(99);
    claim.reconcile(true);
    expect(acquires).toBe(1);
    await clock.advance(1);
    claim.reconcile(true);
    expect(acquires).toBe(2);
  });

  it('a holding the watch showed twice is still ours: reconfirmed after an outage, it is led on again', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.calls[0]?.answer(5n);
    await t.settle();
    t.claim.onHolder({ id: 'me', token: 5n });
    t.claim.onHolder({ id: 'me', token: 5n }); // a resync repeats it: not a change of holding
    t.claim.reconfirm(); // the deadline passed: not led on until tryAcquire hands it back
    expect(t.claim.heldToken()).toBeNull();
    t.claim.reconcile(true);
    t.calls.at(-1)?.answer(5n);
    await t.settle();
    expect(t.claim.heldToken()).toBe(5n);
  });

  it('an acquire in flight across an outage: its answer is not led on, the next tryAcquire confirms it', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.claim.reconfirm();
    t.calls[0]?.answer(5n);
    await t.settle();
    expect(t.claim.heldToken()).toBeNull();
    await t.clock.advance(100); // the backoff
    t.claim.reconcile(true);
    expect(t.calls.map((c) => c.kind)).toEqual(['acquire', 'acquire']);
    t.calls[1]?.answer(5n);
    await t.settle();
    expect(t.claim.heldToken()).toBe(5n);
  });

  it('parked with the lock shown free, a repeat of "free" is no change: no new call', async () => {
    const t = setup();
    t.claim.onHolder(null);
    t.claim.reconcile(true);
    t.calls[0]?.answer(null); // held by someone the watch has not shown yet: park
    await t.settle();
    t.claim.onHolder(null); // a resync repeats the state
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(1);
  });

  it('a holding of ours the watch reveals while parked is released when not wanted', async () => {
    const t = setup();
    t.claim.onHolder({ id: 'other', token: 3n });
    t.claim.reconcile(true); // parked on other@3
    expect(t.calls).toHaveLength(0);
    t.claim.onHolder({ id: 'me', token: 8n }); // an acquisition whose answer was lost
    t.claim.reconcile(false);
    expect(t.calls.at(-1)).toMatchObject({ kind: 'release', token: 8n });
  });

  it('a late "no" names no holding: nothing is released for it', async () => {
    const t = setup();
    t.claim.reconcile(true);
    await t.clock.advance(1000); // past the call timeout
    t.calls[0]?.answer(null);
    await t.settle();
    await t.clock.advance(100);
    t.claim.reconcile(false);
    expect(t.calls.map((c) => c.kind)).toEqual(['acquire']);
  });

  it('a disposed claim ignores holder events: no change reported', async () => {
    let changes = 0;
    const clock = createTestClock(0);
    const lock: LeaderLock = {
      tryAcquire: async () => 5n,
      release: async () => {},
      watchHolder: () => () => {},
    };
    const claim = claimOn(lock, clock, () => {
      changes++;
    });
    claim.dispose();
    claim.onHolder({ id: 'other', token: 3n });
    expect(changes).toBe(0);
    expect(claim.holder).toBeNull();
  });

  it('a watch rewound to an older holding of ours after showing the held one: nothing to release for it', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.calls[0]?.answer(5n);
    await t.settle();
    t.claim.onHolder({ id: 'me', token: 5n });
    t.claim.onHolder({ id: 'me', token: 3n }); // re-delivered from an older revision
    expect(t.claim.heldToken()).toBeNull(); // once shown, any other state means 5 is gone
    t.claim.reconcile(false);
    expect(t.calls.map((c) => c.kind)).toEqual(['acquire']); // 3 is older than a holding already gone
  });

  it('an acquire answer newer than an orphan of ours settles that orphan: only the new holding is released', async () => {
    const t = setup();
    t.claim.onHolder({ id: 'me', token: 3n }); // a holding of ours, wanted: confirmed by tryAcquire
    t.claim.reconcile(true);
    t.calls[0]?.answer(7n); // a newer holding: 3 is gone
    await t.settle();
    t.claim.reconcile(false);
    expect(t.calls.at(-1)).toMatchObject({ kind: 'release', token: 7n });
    t.calls.at(-1)?.answer();
    await t.settle();
    t.claim.reconcile(false);
    expect(t.calls).toHaveLength(2);
  });
});
