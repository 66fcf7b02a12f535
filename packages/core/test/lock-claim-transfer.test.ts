import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setupClaim as setup } from './support/claim-harness.js';

/** The claim's direct-transfer transitions (issue 21): handing a holding over, and adopting one. */
describe('LockClaim: direct transfer', () => {
  it('adopts, without a call, a holding the record says was handed to it, and knows who handed it', () => {
    const t = setup({ transfer: true });
    t.claim.onHolder({ id: 'giver', token: 3n });
    t.claim.reconcile(true); // parked on the giver
    expect(t.calls).toHaveLength(0);
    t.claim.onHolder({ id: 'me', token: 5n, handed: true });
    expect(t.claim.heldToken()).toBe(5n);
    expect(t.claim.handedFrom()).toBe('giver');
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(0);
  });

  it('does not adopt a holding of its own it did not ask for unless it is marked handed: it asks, or releases it', async () => {
    const t = setup({ transfer: true });
    t.claim.onHolder({ id: 'other', token: 3n });
    t.claim.reconcile(true);
    t.claim.onHolder({ id: 'me', token: 5n });
    expect(t.claim.heldToken()).toBeNull();
    t.claim.reconcile(false); // not wanted: an orphan, released by its token
    expect(t.calls.map((c) => [c.kind, c.token])).toEqual([['release', 5n]]);
  });

  it('never adopts a handed holding at or below the dead floor (a token it gave up or saw gone)', async () => {
    const t = setup({ transfer: true });
    t.claim.onHolder({ id: 'other', token: 9n }); // 9 was someone else's: dead for us
    t.claim.reconcile(true);
    t.claim.onHolder({ id: 'me', token: 8n, handed: true }); // older than what the watch showed
    expect(t.claim.heldToken()).toBeNull();
    t.claim.reconcile(true);
    expect(t.calls.map((c) => [c.kind, c.token])).toEqual([['release', 8n]]);
  });

  it('with a call in flight, the answer decides (no adoption behind its back)', async () => {
    const t = setup({ transfer: true });
    t.claim.reconcile(true);
    expect(t.calls.map((c) => c.kind)).toEqual(['acquire']);
    t.claim.onHolder({ id: 'me', token: 5n, handed: true });
    expect(t.claim.heldToken()).toBeNull();
    t.last().resolve(5n);
    await t.settle();
    expect(t.claim.heldToken()).toBe(5n);
    expect(t.claim.handedFrom()).toBeNull(); // nobody showed holding it before
  });

  it('a null answer to a call sent before the handover: the handed holding is adopted then, without asking again', async () => {
    const t = setup({ transfer: true });
    t.claim.onHolder({ id: 'giver', token: 3n });
    t.claim.reconcile(true); // parked on the giver
    t.claim.unpark();
    t.claim.reconcile(true); // asks once (the resync safety net), the giver still holds it
    expect(t.calls.map((c) => c.kind)).toEqual(['acquire']);
    t.claim.onHolder({ id: 'me', token: 5n, handed: true });
    t.last().resolve(null); // the answer predates the transfer
    await t.settle();
    expect(t.claim.heldToken()).toBe(5n);
    expect(t.claim.handedFrom()).toBe('giver');
    t.claim.reconcile(true);
    expect(t.calls).toHaveLength(1);
  });

  it('hands a holding over in one transfer call; from the send the token is dead for it', async () => {
    const t = setup({ transfer: true });
    t.claim.reconcile(true);
    t.last().resolve(5n);
    await t.settle();
    t.claim.reconcile(false, 'b');
    expect(t.calls.map((c) => [c.kind, c.token, c.to])).toEqual([
      ['acquire', undefined, undefined],
      ['transfer', 5n, 'b'],
    ]);
    expect(t.claim.heldToken()).toBeNull();
    t.last().resolve(6n);
    await t.settle();
    t.claim.onHolder({ id: 'b', token: 6n, handed: true });
    t.claim.reconcile(false, 'b');
    expect(t.calls).toHaveLength(2); // nothing left to release
    // The old holding seen again (a stale watch replay) is never led on.
    t.claim.onHolder({ id: 'me', token: 5n, handed: true });
    expect(t.claim.heldToken()).toBeNull();
  });

  it('a transfer whose condition failed (null) is followed by a release of the same token', async () => {
    const t = setup({ transfer: true });
    t.claim.reconcile(true);
    t.last().resolve(5n);
    await t.settle();
    t.claim.reconcile(false, 'b');
    t.last().resolve(null);
    await t.settle();
    t.claim.reconcile(false, 'b');
    expect(t.calls.map((c) => [c.kind, c.token])).toEqual([
      ['acquire', undefined],
      ['transfer', 5n],
      ['release', 5n],
    ]);
  });

  it('a failed transfer may have committed: after a backoff the token is released (a no-op if it was handed)', async () => {
    const t = setup({ transfer: true });
    t.claim.reconcile(true);
    t.last().resolve(5n);
    await t.settle();
    t.claim.reconcile(false, 'b');
    t.last().reject(new Error('connection reset'));
    await t.settle();
    t.claim.reconcile(false, 'b');
    expect(t.calls).toHaveLength(2); // backing off
    await t.clock.advance(100);
    t.claim.reconcile(false, 'b');
    expect(t.calls.map((c) => c.kind)).toEqual(['acquire', 'transfer', 'release']);
    expect(t.errors).toHaveLength(1);
  });

  it('without a transfer in the backend (or to itself) it releases, as before', async () => {
    const t = setup();
    t.claim.reconcile(true);
    t.last().resolve(5n);
    await t.settle();
    t.claim.reconcile(false, 'b');
    expect(t.calls.map((c) => c.kind)).toEqual(['acquire', 'release']);
    const u = setup({ transfer: true });
    u.claim.reconcile(true);
    u.last().resolve(5n);
    await u.settle();
    u.claim.reconcile(false, 'me');
    expect(u.calls.map((c) => c.kind)).toEqual(['acquire', 'release']);
  });

  it('any interleaving of the watch (with revisions, resyncs that skip states), answers, decisions and deletions by hand: it holds only the token of its own latest holding, never one it gave up or one its watch showed gone', async () => {
    type Step =
      | { kind: 'want'; want: boolean }
      | { kind: 'answer' }
      | { kind: 'fail' }
      | { kind: 'handTo' }
      | { kind: 'watch' }
      | { kind: 'resync' }
      | { kind: 'deleteByHand' }
      | { kind: 'apply' };
    const step = fc.oneof(
      fc.boolean().map((want): Step => ({ kind: 'want', want })),
      fc.constant<Step>({ kind: 'answer' }),
      fc.constant<Step>({ kind: 'fail' }),
      fc.constant<Step>({ kind: 'handTo' }),
      fc.constant<Step>({ kind: 'watch' }),
      fc.constant<Step>({ kind: 'resync' }),
      fc.constant<Step>({ kind: 'deleteByHand' }),
      fc.constant<Step>({ kind: 'apply' }), // the backend decides a pending acquire; the reply comes later
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const t = setup({ transfer: true });
        // A tiny backend: one leader key; the watch lags and is delivered by 'watch' steps.
        type Key = { id: string; token: bigint; handed?: boolean } | null;
        let key: Key = null;
        let revision = 1n;
        const given = new Set<bigint>(); // tokens this node sent a release or transfer for
        // Each event with its revision; a resync skips what is queued and shows the state now.
        const delivered: { key: Key; revision: bigint }[] = [];
        /** What the watch showed gone (as the simulator's checker): nothing at or below leads. */
        let floor = 0n;
        const deliver = (event: { key: Key; revision: bigint }) => {
          t.claim.onHolder(event.key, event.revision);
          const gone = event.key?.id === 'me' ? event.key.token - 1n : event.revision;
          if (gone > floor) floor = gone;
        };
        const answered = new Set<number>();
        /** Acquires the backend has decided (by call index), their replies still on the way. */
        const decided = new Map<number, bigint | null>();
        const decide = (index: number) => {
          if (!decided.has(index)) {
            if (key === null) {
              revision++;
              key = { id: 'me', token: revision };
              delivered.push({ key, revision });
            }
            decided.set(index, key.id === 'me' ? key.token : null);
          }
          return decided.get(index) ?? null;
        };
        for (const s of steps) {
          const pending = t.calls.findIndex((_, i) => !answered.has(i));
          if (s.kind === 'want') t.claim.reconcile(s.want, 'b');
          else if (s.kind === 'handTo') {
            // Another member hands us the lock (only possible when it holds it).
            if (key !== null && key.id !== 'me') {
              revision++;
              key = { id: 'me', token: revision, handed: true };
              delivered.push({ key, revision });
            } else if (key === null) {
              revision++;
              key = { id: 'b', token: revision };
              delivered.push({ key, revision });
            }
          } else if (s.kind === 'watch') {
            const next = delivered.shift();
            if (next !== undefined) deliver(next);
          } else if (s.kind === 'resync') {
            delivered.length = 0;
            deliver({ key, revision });
          } else if (s.kind === 'deleteByHand') {
            if (key !== null) {
              revision++;
              key = null;
              delivered.push({ key, revision });
            }
          } else if (s.kind === 'apply') {
            if (pending >= 0 && t.calls[pending]?.kind === 'acquire') decide(pending);
          } else if (pending >= 0) {
            const call = t.calls[pending]!;
            answered.add(pending);
            if (s.kind === 'fail') call.reject(new Error('lost'));
            else if (call.kind === 'acquire') call.resolve(decide(pending));
            else {
              const mine = key?.id === 'me' && key.token === call.token;
              given.add(call.token!);
              if (call.kind === 'release') {
                if (mine) {
                  revision++;
                  key = null;
                  delivered.push({ key, revision });
                }
                call.resolve(undefined);
              } else if (mine) {
                revision++;
                key = { id: call.to!, token: revision, handed: true };
                delivered.push({ key, revision });
                call.resolve(revision);
              } else call.resolve(null);
            }
            await t.settle();
          }
          const held = t.claim.heldToken();
          if (held !== null) {
            expect(given.has(held)).toBe(false);
            expect(held).toBeLessThanOrEqual(revision);
            expect(held).toBeGreaterThan(floor);
          }
          // At most one lock call in flight.
          expect(t.calls.length - answered.size).toBeLessThanOrEqual(1);
          await t.clock.advance(100);
        }
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * The direct transfer with holder revisions (HolderListener): the revision rule (no holding of ours
 * at R kills every token up to R) and adopt-only-handed must not undo each other.
 */
describe('LockClaim: direct transfer with holder revisions', () => {
  it('adopts a holding handed to it at R, shown at R or by a resync at a later revision (its own holding, not a deletion)', () => {
    for (const shownAt of [5n, 9n]) {
      const t = setup({ transfer: true });
      t.claim.onHolder({ id: 'giver', token: 3n }, 4n);
      t.claim.reconcile(true); // parked on the giver
      t.claim.onHolder({ id: 'me', token: 5n, handed: true }, shownAt);
      expect(t.claim.heldToken()).toBe(5n);
      expect(t.claim.handedFrom()).toBe('giver');
      t.claim.onHolder({ id: 'me', token: 5n, handed: true }, 12n); // a resync repeats it
      expect(t.claim.heldToken()).toBe(5n);
      t.claim.reconcile(true);
      expect(t.calls).toHaveLength(0);
    }
  });

  it("the giver's token is dead once the watch shows the successor at R: a failed transfer's token is released, never led on", async () => {
    const t = setup({ transfer: true });
    t.claim.reconcile(true);
    t.last().resolve(3n);
    await t.settle();
    t.claim.onHolder({ id: 'me', token: 3n }, 3n);
    t.claim.reconcile(false, 'b');
    t.last().reject(new Error('connection reset')); // the transfer committed; its answer was lost
    await t.settle();
    t.claim.onHolder({ id: 'b', token: 5n }, 5n);
    t.claim.onHolder(null, 7n); // b let go
    await t.clock.advance(100);
    t.claim.reconcile(true); // it wants the lock again: the old token goes first
    expect(t.calls.map((c) => [c.kind, c.token])).toEqual([
      ['acquire', undefined],
      ['transfer', 3n],
      ['release', 3n],
    ]);
    t.last().resolve(undefined);
    await t.settle();
    t.claim.reconcile(true);
    t.last().resolve(3n); // a stale answer naming the given-away token
    await t.settle();
    expect(t.claim.heldToken()).toBeNull();
  });

  it('after reconfirm() the holding it stopped leading on is confirmed by tryAcquire, not by a watch event showing it handed', async () => {
    const t = setup({ transfer: true });
    t.claim.onHolder({ id: 'giver', token: 3n }, 3n);
    t.claim.reconcile(true);
    t.claim.onHolder({ id: 'me', token: 5n, handed: true }, 5n);
    expect(t.claim.heldToken()).toBe(5n);
    t.claim.reconfirm(); // the registration's deadline passed (backend unreachable)
    // The same event again (a watch replayed from an older revision): deleted by hand since, maybe.
    t.claim.onHolder({ id: 'me', token: 5n, handed: true }, 5n);
    expect(t.claim.heldToken()).toBeNull();
    t.claim.reconcile(true);
    expect(t.calls.map((c) => c.kind)).toEqual(['acquire']);
    t.last().resolve(5n); // the backend confirms it
    await t.settle();
    expect(t.claim.heldToken()).toBe(5n);
  });
});
