import { describe, expect, it } from 'vitest';
import type { LeaderLock } from '../src/index.js';
import { claimOn } from './support/claim.js';
import { member, startScripted } from './support/fixtures.js';
import { createTestClock } from './support/manual-clock.js';

/**
 * Issue 19's invariant, in the one case it used to except: an operator deletes the leader key (or
 * revokes the lease) after this node acquired it but before its holder watch showed the holding.
 * Once the watch delivers that deletion, at a revision at or after the token, the node never leads
 * on the token again. Without a revision (a backend that does not give one) the "free" cannot be
 * told from an older state, and the old behaviour stays.
 */
describe('a holding deleted before the holder watch showed it', () => {
  it('demotes when the watch delivers the deletion at a revision after the token', async () => {
    const { elector, session, clock, events } = await startScripted();
    session.acquireWith = async () => 7n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    expect(elector.state).toMatchObject({ isLeader: true, term: 7n });
    // The watch never showed b@7: an operator deleted the key at revision 8 and the watch says so.
    session.acquireWith = async () => 9n; // the key is free: a new acquisition is a fresh holding
    session.setHolder(null, 8n);
    await clock.advance(1000);
    expect(events).toContainEqual(expect.objectContaining({ type: 'demoted', term: 7n }));
    expect(elector.state).toMatchObject({ isLeader: true, term: 9n });
    await elector.stop();
  });

  it('keeps leading on a "free" older than the token (delivered late, revision before it)', async () => {
    const { elector, session, clock } = await startScripted();
    session.acquireWith = async () => 7n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    session.setHolder(null, 6n); // the state before b's write at 7, still on its way
    await clock.advance(1);
    expect(elector.state).toMatchObject({ isLeader: true, term: 7n });
    session.setHolder({ id: 'b', token: 7n }, 7n);
    await clock.advance(1);
    expect(elector.state).toMatchObject({ isLeader: true, term: 7n });
    await elector.stop();
  });

  it('does not elect on an answer whose holding the watch showed deleted while the call was in flight', async () => {
    const clock = createTestClock(0);
    let answer: ((token: bigint | null) => void) | undefined;
    const lock: LeaderLock = {
      tryAcquire: () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
      release: async () => {},
      watchHolder: () => () => {},
    };
    const claim = claimOn(lock, clock);
    claim.reconcile(true);
    // The acquire committed at 5 and an operator deleted the key at 6; the watch delivers the
    // deletion (it never showed me@5) before the answer comes back.
    claim.onHolder(null, 6n);
    answer?.(5n);
    await clock.advance(0);
    expect(claim.heldToken()).toBeNull();
  });
});
