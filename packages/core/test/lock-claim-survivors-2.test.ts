import { describe, expect, it } from 'vitest';
import { setupClaim as setup } from './support/claim-harness.js';

/**
 * Rules of the lock claim that mutants of `lock-claim.ts` survived in issue 19's units-only run on
 * the final code (docs/mutation-testing.md, round 3), each pinned as behaviour: what the claim asks
 * the backend, which holding it leads on, and who it says handed it over.
 */
describe('LockClaim rules the round-3 mutation run left unpinned', () => {
  it('a disposed claim starts no call', () => {
    const t = setup();
    t.claim.dispose();
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(0);
  });

  it('a holding handed to it supersedes the older ones of its own: they are forgotten, not released', () => {
    const t = setup({ transfer: true });
    t.claim.onHolder({ id: 'me', token: 3n }); // a holding of ours, not asked for: an orphan
    t.claim.onHolder({ id: 'me', token: 5n, handed: true }); // 3 is gone, 5 is handed to us
    expect(t.claim.heldToken()).toBe(5n);
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(0); // nothing to release: 3 is gone, 5 is held
    expect(t.claim.heldToken()).toBe(5n);
    t.claim.reconcile(false);
    expect(t.calls.map((c) => [c.kind, c.token])).toEqual([['release', 5n]]);
  });

  it('adopting a handed holding keeps a newer orphan of its own: released before the lock is given up', async () => {
    const t = setup({ transfer: true });
    t.claim.reconcile(true);
    t.claim.reconfirm(); // the deadline passed with the acquire in flight
    t.calls[0]?.resolve(9n); // not led on: 9 is an orphan, to confirm or release
    await t.settle();
    t.claim.onHolder({ id: 'me', token: 7n, handed: true });
    expect(t.claim.heldToken()).toBe(7n);
    await t.clock.advance(100); // the backoff after the answer not led on
    t.claim.reconcile(false);
    expect(t.calls.map((c) => [c.kind, c.token])).toEqual([
      ['acquire', undefined],
      ['release', 9n],
    ]);
  });

  it('a repeat of the handed holding keeps who handed it', () => {
    const t = setup({ transfer: true });
    t.claim.onHolder({ id: 'giver', token: 3n });
    t.claim.onHolder({ id: 'me', token: 5n, handed: true });
    expect(t.claim.handedFrom()).toBe('giver');
    t.claim.onHolder({ id: 'me', token: 5n, handed: true }); // a resync repeats the record
    expect(t.claim.heldToken()).toBe(5n);
    expect(t.claim.handedFrom()).toBe('giver');
  });

  it('a holding it acquired itself was handed by no one, whoever held the lock before', async () => {
    const t = setup({ transfer: true });
    t.claim.reconcile(true);
    t.claim.onHolder({ id: 'giver', token: 3n });
    t.calls[0]?.resolve(5n);
    await t.settle();
    t.claim.onHolder({ id: 'me', token: 5n }); // not handed: our own tryAcquire wrote it
    expect(t.claim.heldToken()).toBe(5n);
    expect(t.claim.handedFrom()).toBeNull();
  });

  it('a holding handed to it right after another of its own names no giver', () => {
    const t = setup({ transfer: true });
    t.claim.onHolder({ id: 'me', token: 3n });
    t.claim.onHolder({ id: 'me', token: 5n, handed: true });
    expect(t.claim.heldToken()).toBe(5n);
    expect(t.claim.handedFrom()).toBeNull();
  });

  it('a held holding the watch then shows handed counts as shown: a later "free" ends it', async () => {
    const t = setup({ transfer: true });
    t.claim.reconcile(true);
    t.calls[0]?.resolve(5n);
    await t.settle();
    t.claim.onHolder({ id: 'me', token: 5n, handed: true });
    expect(t.claim.heldToken()).toBe(5n);
    t.claim.onHolder(null); // no revision: only a holding already shown is ended by it
    expect(t.claim.heldToken()).toBeNull();
  });

  it('an adopted holding counts as shown: a later "free" without a revision ends it', () => {
    const t = setup({ transfer: true });
    t.claim.onHolder({ id: 'giver', token: 3n });
    t.claim.onHolder({ id: 'me', token: 5n, handed: true });
    expect(t.claim.heldToken()).toBe(5n);
    t.claim.onHolder(null);
    expect(t.claim.heldToken()).toBeNull();
  });

  it('a holding whose transfer failed is never adopted again, even if the record still says handed', async () => {
    const t = setup({ transfer: true });
    t.claim.onHolder({ id: 'giver', token: 3n });
    t.claim.onHolder({ id: 'me', token: 5n, handed: true });
    t.claim.reconcile(false, 'next');
    expect(t.calls.map((c) => [c.kind, c.token, c.to])).toEqual([['transfer', 5n, 'next']]);
    t.calls[0]?.reject(new Error('connection reset')); // may have committed
    await t.settle();
    t.claim.onHolder({ id: 'me', token: 5n, handed: true }); // a resync repeats the record
    expect(t.claim.heldToken()).toBeNull();
  });

  it('the watch showing the lock free at the revision of the held token ends the holding (at or after it)', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.calls[0]?.resolve(5n);
    await t.settle();
    t.claim.onHolder(null, 5n);
    expect(t.claim.heldToken()).toBeNull();
  });

  it('the dead floor never goes down: an older holder shown after a newer one lets no answer between them elect', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.claim.onHolder({ id: 'other', token: 9n });
    t.claim.onHolder({ id: 'other', token: 3n }); // a watch restarted from an older revision
    t.calls[0]?.resolve(5n); // older than 9, which the watch showed held by another
    await t.settle();
    expect(t.claim.heldToken()).toBeNull();
  });

  it('an answer to an acquire sent before an outage is confirmed only by tryAcquire, not by a handed record', async () => {
    const t = setup({ transfer: true });
    t.claim.reconcile(true);
    t.claim.reconfirm();
    t.calls[0]?.resolve(5n);
    await t.settle();
    t.claim.onHolder({ id: 'me', token: 5n, handed: true }); // may be a replay older than a deletion
    expect(t.claim.heldToken()).toBeNull();
  });

  it('an acquire answer older than an orphan of its own keeps that orphan: released before the lock is given up', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.claim.onHolder({ id: 'me', token: 9n }); // a newer holding of ours shows up meanwhile
    t.calls[0]?.resolve(7n);
    await t.settle();
    expect(t.claim.heldToken()).toBe(7n);
    t.claim.reconcile(false);
    expect(t.calls.map((c) => [c.kind, c.token])).toEqual([
      ['acquire', undefined],
      ['release', 9n],
    ]);
  });

  it('a holding the watch showed before its answer arrived counts as shown: a later "free" ends it', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.claim.onHolder({ id: 'me', token: 5n });
    t.calls[0]?.resolve(5n);
    await t.settle();
    expect(t.claim.heldToken()).toBe(5n);
    t.claim.onHolder(null);
    expect(t.claim.heldToken()).toBeNull();
  });

  it('after a failed release, a holding handed to it is adopted', async () => {
    const t = setup({ transfer: true });
    t.claim.reconcile(true);
    t.calls[0]?.resolve(5n);
    await t.settle();
    t.claim.reconcile(false);
    t.calls[1]?.reject(new Error('connection reset'));
    await t.settle();
    expect(t.errors.map((e) => e.message)).toEqual([expect.stringContaining('releasing the leader lock')]);
    t.claim.onHolder({ id: 'me', token: 8n, handed: true });
    expect(t.claim.heldToken()).toBe(8n);
  });

  it('a "no" while the watch only repeated the holder shown at the send: parked, not asked again at once', async () => {
    const t = setup();
    t.claim.onHolder({ id: 'me', token: 4n }); // a holding of ours, wanted: tryAcquire confirms it
    t.claim.reconcile(true);
    t.claim.onHolder({ id: 'me', token: 4n }); // a resync repeats it: no change of holder
    t.calls[0]?.resolve(null); // the answer is newer than the watch: 4 is gone, another holds the lock
    await t.settle();
    t.claim.reconcile(true); // waits for the watch to show the change (asking again would loop)
    expect(t.calls).toHaveLength(1);
  });

  it('a "no" while the watch moved to a new holding of its own: it asks again to confirm it, it does not park on itself', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.calls[0]?.resolve(3n);
    await t.settle();
    t.claim.reconcile(false); // release(3), acknowledged
    t.calls[1]?.resolve(undefined);
    await t.settle();
    t.claim.onHolder({ id: 'me', token: 3n }); // the watch, late, shows the released holding
    t.claim.reconcile(true);
    expect(t.calls.map((c) => c.kind)).toEqual(['acquire', 'release', 'acquire']);
    t.claim.onHolder({ id: 'me', token: 4n }); // a new holding of ours (this acquire committed)
    t.calls[2]?.resolve(null); // the backend answered before it did
    await t.settle();
    t.claim.reconcile(true);
    expect(t.calls.map((c) => c.kind)).toEqual(['acquire', 'release', 'acquire', 'acquire']);
  });
});
