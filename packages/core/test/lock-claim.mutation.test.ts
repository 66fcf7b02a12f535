import { describe, expect, it } from 'vitest';
import { LockClaim } from '../src/elector/lock-claim.js';
import { BackendUnavailableError } from '../src/index.js';
import { createBackoff } from '../src/time/backoff.js';
import { setupClaim as setup } from './support/claim-harness.js';

/**
 * The lock claim on its own, rule by rule, with every lock call answered by hand (issue 19: the
 * rules mutation testing showed no test held). Backoff delays are exact (random 1): 100, 200, …
 */

describe('LockClaim', () => {
  it('acquires once, leads on the token, and never has two calls in flight', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.claim.reconcile(true);
    expect(t.calls.map((c) => c.kind)).toEqual(['acquire']);
    const before = t.changes();
    t.last().resolve(5n);
    await t.settle();
    expect(t.claim.heldToken()).toBe(5n);
    expect(t.changes()).toBeGreaterThan(before);
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(1);
    expect(t.clock.pendingTimers()).toBe(0); // the call's timeout is cancelled by its answer
  });

  it('parks on a holder the watch shows, wakes on a change, and ignores a repeat of the same holder', async () => {
    const t = setup();
    t.claim.onHolder({ id: 'other', token: 3n });
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(0);
    t.claim.onHolder({ id: 'other', token: 3n }); // the same holder again: still parked
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(0);
    expect(t.claim.holder).toEqual({ id: 'other', token: 3n });
    t.claim.onHolder(null);
    t.claim.reconcile(true);
    expect(t.calls.map((c) => c.kind)).toEqual(['acquire']);
  });

  it('the resync safety net asks once even though the watch shows another holder', async () => {
    const t = setup();
    t.claim.unpark(); // not parked: nothing happens
    t.claim.onHolder({ id: 'other', token: 3n });
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(0);
    t.claim.unpark();
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(1);
    t.last().resolve(null); // told no: parked again, and the next reconcile does not ask
    await t.settle();
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(1);
  });

  it('a timely "no" parks, unless the holder changed while it asked: then it asks again at once', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.last().resolve(null);
    await t.settle();
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(1); // parked on "no holder known"
    const u = setup();
    u.claim.reconcile(true);
    u.claim.onHolder({ id: 'other', token: 3n });
    u.claim.onHolder(null); // released while we asked
    u.last().resolve(null);
    await u.settle();
    u.claim.reconcile(true);
    expect(u.calls).toHaveLength(2);
  });

  it('a late answer counts: reported slow once, still the one call in flight, and led on', async () => {
    const t = setup({ timeoutMs: 100 });
    t.claim.reconcile(true);
    await t.clock.advance(99);
    expect(t.errors).toHaveLength(0);
    await t.clock.advance(1);
    expect(t.errors).toHaveLength(1);
    expect(t.errors[0]).toBeInstanceOf(BackendUnavailableError);
    expect(t.errors[0]?.message).toContain('lockTimeoutMs (100 ms)');
    await t.clock.advance(1000);
    expect(t.errors).toHaveLength(1);
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(1);
    t.last().resolve(7n);
    await t.settle();
    expect(t.claim.heldToken()).toBe(7n);
  });

  it('a late "no" backs off and asks again, instead of parking', async () => {
    const t = setup({ timeoutMs: 100 });
    t.claim.reconcile(true);
    await t.clock.advance(150);
    t.last().resolve(null);
    await t.settle();
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(1); // backing off
    await t.clock.advance(99);
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(1);
    await t.clock.advance(1);
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(2);
  });

  it('a failed acquire reports the error, backs off, and retries with a growing delay', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.last().reject(new Error('boom'));
    await t.settle();
    expect(t.errors).toHaveLength(1);
    expect(t.errors[0]?.message).toMatch(/acquiring the leader lock/);
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(1);
    await t.clock.advance(100);
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(2);
    t.last().reject(new Error('boom'));
    await t.settle();
    await t.clock.advance(199);
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(2);
    await t.clock.advance(1);
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(3);
    t.last().resolve(4n); // a success resets the backoff
    await t.settle();
    t.claim.reconcile(false);
    t.last().reject(new Error('release failed'));
    await t.settle();
    await t.clock.advance(100);
    t.claim.reconcile(false);
    expect(t.calls.map((c) => c.kind)).toEqual(['acquire', 'acquire', 'acquire', 'release', 'release']);
  });

  it('a tryAcquire that throws synchronously counts as a failed call', async () => {
    const t = setup();
    const claim = new LockClaim({
      lock: {
        tryAcquire: () => {
          throw new Error('sync');
        },
        release: async () => {},
        watchHolder: () => () => {},
      },
      selfId: 'me',
      clock: t.clock,
      callTimeoutMs: 1000,
      backoff: createBackoff({ random: () => 1 }),
      onChange: () => {},
      onError: (error) => t.errors.push(error),
    });
    claim.reconcile(true);
    await t.settle();
    expect(t.errors.map((e) => e.message)).toEqual([expect.stringMatching(/sync/)]);
    expect(claim.heldToken()).toBeNull();
  });

  it('never leads on a token at or below what the watch showed held by another node: releases it', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.claim.onHolder({ id: 'other', token: 9n });
    t.last().resolve(8n); // an answer older than the watch
    await t.settle();
    expect(t.claim.heldToken()).toBeNull();
    await t.clock.advance(100);
    t.claim.reconcile(true);
    expect(t.last()).toMatchObject({ kind: 'release', token: 8n });
  });

  it('a holding the watch showed and then showed gone is dead: its token never elects again', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.last().resolve(5n);
    await t.settle();
    t.claim.onHolder({ id: 'me', token: 5n });
    expect(t.claim.heldToken()).toBe(5n);
    t.claim.onHolder(null); // deleted
    expect(t.claim.heldToken()).toBeNull();
    t.claim.reconcile(true);
    t.last().resolve(5n); // a stale answer naming it again
    await t.settle();
    expect(t.claim.heldToken()).toBeNull();
  });

  it('before the watch caught up with its holding, a "free" or an older holder is stale: still held', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.last().resolve(5n);
    await t.settle();
    t.claim.onHolder(null);
    expect(t.claim.heldToken()).toBe(5n);
    t.claim.onHolder({ id: 'other', token: 4n });
    expect(t.claim.heldToken()).toBe(5n);
    t.claim.onHolder({ id: 'other', token: 6n }); // newer: ours is gone
    expect(t.claim.heldToken()).toBeNull();
  });

  it('a newer holding of our own shown while held replaces nothing: the old one is gone, the new one released', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.last().resolve(5n);
    await t.settle();
    t.claim.onHolder({ id: 'me', token: 5n });
    t.claim.onHolder({ id: 'me', token: 7n });
    expect(t.claim.heldToken()).toBeNull();
    t.claim.reconcile(false);
    expect(t.last()).toMatchObject({ kind: 'release', token: 7n });
  });

  it('releases by token when it no longer wants the lock, and forgets released holdings', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.last().resolve(5n);
    await t.settle();
    t.claim.reconcile(false);
    expect(t.last()).toMatchObject({ kind: 'release', token: 5n });
    expect(t.claim.heldToken()).toBeNull();
    t.claim.reconcile(false);
    expect(t.calls).toHaveLength(2);
    t.claim.onHolder({ id: 'me', token: 5n }); // the watch lags behind the release
    t.last().resolve(undefined);
    await t.settle();
    t.claim.reconcile(false);
    expect(t.calls).toHaveLength(2); // 5 is released: not released again
    // Wanting it again: 5 is dead (we gave it up), so an answer of 5 does not elect.
    t.claim.onHolder(null);
    t.claim.reconcile(true);
    t.last().resolve(5n);
    await t.settle();
    expect(t.claim.heldToken()).toBeNull();
  });

  it('a failed release is retried after a backoff, with the same token', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.last().resolve(5n);
    await t.settle();
    t.claim.reconcile(false);
    t.last().reject(new Error('nope'));
    await t.settle();
    expect(t.errors.map((e) => e.message)).toEqual([expect.stringMatching(/releasing the leader lock/)]);
    t.claim.reconcile(false);
    expect(t.calls).toHaveLength(2);
    await t.clock.advance(100);
    t.claim.reconcile(false);
    expect(t.last()).toMatchObject({ kind: 'release', token: 5n });
  });

  it('a holding of ours the watch reveals (a lost answer) is released when not wanted, adopted when asked', async () => {
    const t = setup();
    t.claim.onHolder({ id: 'me', token: 11n });
    t.claim.reconcile(false);
    expect(t.last()).toMatchObject({ kind: 'release', token: 11n });
    const u = setup();
    u.claim.onHolder({ id: 'me', token: 11n });
    u.claim.reconcile(true);
    expect(u.last().kind).toBe('acquire');
    u.last().resolve(11n);
    await u.settle();
    expect(u.claim.heldToken()).toBe(11n);
  });

  it("with unsafeKeepOrphans (the simulator's deliberate bug), a revealed holding is never released", async () => {
    const t = setup({ keepOrphans: true });
    t.claim.onHolder({ id: 'me', token: 11n });
    t.claim.reconcile(false);
    expect(t.calls).toHaveLength(0);
  });

  it('reconfirm: a held holding is not led on until tryAcquire hands it back', async () => {
    const t = setup();
    t.claim.reconfirm(); // nothing held: no-op
    t.claim.reconcile(true);
    t.last().resolve(5n);
    await t.settle();
    t.claim.reconfirm();
    expect(t.claim.heldToken()).toBeNull();
    t.claim.reconcile(true);
    expect(t.last().kind).toBe('acquire');
    t.last().resolve(5n);
    await t.settle();
    expect(t.claim.heldToken()).toBe(5n);
    // Not wanted after a reconfirm: released instead.
    t.claim.reconfirm();
    t.claim.reconcile(false);
    expect(t.last()).toMatchObject({ kind: 'release', token: 5n });
  });

  it('an acquire answer releases older orphans of ours from the list', async () => {
    const t = setup();
    t.claim.onHolder({ id: 'me', token: 3n }); // an orphan
    t.claim.onHolder(null); // gone (dead)
    t.claim.reconcile(true); // releases the dead orphan 3 first
    expect(t.last()).toMatchObject({ kind: 'release', token: 3n });
    t.last().resolve(undefined);
    await t.settle();
    t.claim.reconcile(true);
    expect(t.last().kind).toBe('acquire');
    t.last().resolve(6n);
    await t.settle();
    expect(t.claim.heldToken()).toBe(6n);
  });

  it('a holding of ours shown while a release of another token is in flight is kept as an orphan', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.last().resolve(5n);
    await t.settle();
    t.claim.reconcile(false);
    t.claim.onHolder({ id: 'me', token: 8n });
    t.last().resolve(undefined);
    await t.settle();
    t.claim.reconcile(false);
    expect(t.last()).toMatchObject({ kind: 'release', token: 8n });
  });

  it('dispose: no timer left, answers ignored, nothing more asked', async () => {
    const t = setup({ timeoutMs: 100 });
    t.claim.reconcile(true);
    t.claim.dispose();
    expect(t.clock.pendingTimers()).toBe(0);
    t.last().resolve(5n);
    await t.clock.advance(1000);
    expect(t.claim.heldToken()).toBeNull();
    expect(t.errors).toHaveLength(0);
    t.claim.onHolder({ id: 'me', token: 5n });
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(1);
    const u = setup();
    u.claim.reconcile(true);
    u.last().reject(new Error('x'));
    await u.settle();
    u.claim.dispose();
    expect(u.clock.pendingTimers()).toBe(0); // the backoff timer too
  });
});
