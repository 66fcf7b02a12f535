import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DuplicateMemberError, type ElectorEvent, runWhileLeader } from '../src/index.js';
import { member, startScripted } from './support/fixtures.js';

/**
 * The review findings (F1–F6b, R1–R7, and G1–G3 from a second review of the new claim), each a
 * scenario that failed before it was fixed; F1–R7 failed on the elector before the lock claim became one state machine (packages/core/src/elector/lock-claim.ts). The deterministic
 * simulator (`pnpm sim`) searches the same space at random; these pin the known cases down.
 */

/** A promise the test settles by hand, standing for a backend call in flight. */
function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('review findings: the lock claim', () => {
  it('F1: a lock taken by a request whose answer was lost is released once the view moves on', async () => {
    const { elector, session, clock } = await startScripted();
    // etcd applied the create-if-absent txn, but the client saw a deadline error.
    session.acquireWith = async () => {
      throw new Error('DEADLINE_EXCEEDED');
    };
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1);
    session.setHolder({ id: 'b', token: 5n }); // the watch shows the key our lease now holds
    session.emit({ type: 'put', member: member('a') }); // a better member joins before the retry
    for (let i = 0; i < 4; i++) {
      await clock.advance(5000);
      session.renew(clock.now() + 60_000);
    }
    expect(elector.state).toMatchObject({ phase: 'follower', isLeader: false });
    expect(session.releasedTokens).toContain(5n); // before: never released, 'a' waited for ever
    await elector.stop();
  });

  it('R4: F1 with the watch event first and the error second: the orphaned lock is released', async () => {
    const { elector, session, clock } = await startScripted();
    const call = deferred<bigint | null>();
    session.acquireWith = () => call.promise;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1);
    session.setHolder({ id: 'b', token: 5n }); // committed...
    call.reject(new Error('DEADLINE_EXCEEDED')); // ...but the answer was lost
    await clock.advance(1);
    session.emit({ type: 'put', member: member('a') });
    await clock.advance(5000);
    expect(elector.state.isLeader).toBe(false);
    expect(session.releasedTokens).toContain(5n);
    await elector.stop();
  });

  it('F2: a release retry must not delete the lock an in-flight acquire is re-taking', async () => {
    const { elector, session, clock } = await startScripted();
    session.acquireWith = async () => 4n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    session.setHolder({ id: 'b', token: 4n });
    // The first release times out without effect; a later one deletes the key.
    let keyDeleted = false;
    session.releaseWith = async (token) => {
      if (session.releases === 1) throw new Error('DEADLINE_EXCEEDED');
      if (token === 4n && !keyDeleted) {
        keyDeleted = true;
        session.setHolder(null);
      }
    };
    session.emit({ type: 'put', member: member('a') }); // handover: demote, release fails
    await clock.advance(1);
    const reacquire = deferred<bigint | null>();
    session.acquireWith = () => reacquire.promise;
    session.emit({ type: 'delete', id: 'a' }); // 'a' flaps away: b is elected again
    await clock.advance(2000); // the release retry runs; an acquire must not race it
    reacquire.resolve(4n); // "already yours, token 4", answered before the delete applied
    session.acquireWith = async () => 6n; // once the key is gone, a fresh holding
    for (let i = 0; i < 6; i++) {
      await clock.advance(1000);
      session.renew(clock.now() + 60_000);
      // Never a leader on the holding it gave up (whose key the retry deleted).
      expect(elector.state.isLeader && elector.state.term === 4n).toBe(false);
    }
    expect(keyDeleted).toBe(true);
    expect(elector.state).toMatchObject({ isLeader: true, term: 6n }); // a fresh holding
    await elector.stop();
  });

  it('F2b: an acquire answer for a holding the watch already showed gone does not elect', async () => {
    const { elector, session, clock } = await startScripted();
    const call = deferred<bigint | null>();
    session.acquireWith = () => call.promise;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1);
    session.setHolder({ id: 'b', token: 4n }); // the watch shows our key created at revision 4...
    session.setHolder(null); // ...and deleted
    session.acquireWith = async () => 7n;
    call.resolve(4n); // the txn answer arrives last
    await clock.advance(1);
    expect(elector.state.term).not.toBe(4n);
    await clock.advance(2000);
    expect(session.releasedTokens).toEqual([4n]); // made sure it is gone before asking again
    expect(elector.state).toMatchObject({ isLeader: true, term: 7n });
    await elector.stop();
  });

  it('R1: no tryAcquire is sent while the handover release is in flight', async () => {
    const { elector, session, clock } = await startScripted();
    session.acquireWith = async () => 4n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    session.setHolder({ id: 'b', token: 4n });
    const release = deferred<void>();
    session.releaseWith = () => release.promise;
    const acquiresBefore = session.acquires;
    session.emit({ type: 'put', member: member('a') }); // handover: release(4) in flight
    session.emit({ type: 'delete', id: 'a' }); // 'a' leaves at once: b is elected again
    await clock.advance(100);
    expect(session.acquires).toBe(acquiresBefore); // before: a tryAcquire raced the release
    expect(elector.state.isLeader).toBe(false);
    session.acquireWith = async () => 6n;
    release.resolve();
    session.setHolder(null); // the release deleted the key
    await clock.advance(100);
    expect(elector.state).toMatchObject({ isLeader: true, term: 6n });
    await elector.stop();
  });

  it('R2: an acquire answer older than the holder the watch shows never elects', async () => {
    const { elector, session, clock } = await startScripted();
    const call = deferred<bigint | null>();
    session.acquireWith = () => call.promise;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1);
    session.setHolder({ id: 'b', token: 4n });
    session.setHolder(null);
    session.setHolder({ id: 'x', token: 6n }); // another node holds it now
    session.acquireWith = async () => null;
    call.resolve(4n);
    for (let i = 0; i < 3; i++) {
      await clock.advance(5000);
      session.renew(clock.now() + 60_000);
      expect(elector.state.isLeader).toBe(false); // before: leader with term 4 beside x
    }
    expect(elector.state).toMatchObject({ leaderId: 'x', term: 6n });
    await elector.stop();
  });

  it('R3: stop() clears the release-retry timer', async () => {
    const { elector, session, clock } = await startScripted();
    session.acquireWith = async () => 4n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    session.releaseWith = async () => {
      throw new Error('UNAVAILABLE');
    };
    session.emit({ type: 'put', member: member('a') }); // handover; the release fails, a retry is due
    await clock.advance(1);
    const releases = session.releases;
    expect(releases).toBe(1);
    await elector.stop();
    expect(clock.pendingTimers()).toBe(0); // before: the retry timer outlived stop() (a live handle)
    await clock.advance(60_000);
    expect(session.releases).toBe(releases);
  });

  it('R7: no busy loop when the watch shows the key gone and the backend repeats the same token', async () => {
    const { elector, session, clock } = await startScripted();
    session.setHolder({ id: 'b', token: 4n });
    session.setHolder(null); // our holding 4 is gone, as far as the watch can tell
    session.acquireWith = async () => 4n; // but the backend keeps answering 4 (its reply is older)
    session.releaseWith = async () => {}; // the release does not reach it either
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1000);
    expect(elector.state.isLeader).toBe(false);
    // One try per backoff step (100 ms doubling to 1 s), never hundreds in one instant.
    expect(session.acquires).toBeLessThanOrEqual(6);
    expect(session.releasedTokens.every((token) => token === 4n)).toBe(true);
    await elector.stop();
  });
});

describe('review findings: liveness and lifecycle', () => {
  it('R5: a session that arrives already past its deadline is kept and renewed, never rejoined in a loop', async () => {
    const { elector, backend, clock } = await startScripted({ ttlMs: 3000 });
    // The join took longer than the TTL: the session is past its deadline on arrival.
    backend.sessions[0]!.renew(clock.now() - 1);
    await clock.advance(0);
    await clock.advance(10_000);
    expect(backend.sessions.length).toBe(1);
    expect(backend.sessions[0]!.left).toBe(false);
    expect(elector.state).toMatchObject({ isLeader: false, reason: { kind: 'backend-unreachable' } });
    await elector.stop();
  });

  it('R5b: sessions the backend declares lost as soon as they arrive make rejoins back off', async () => {
    const { elector, backend, clock } = await startScripted({ ttlMs: 3000 });
    backend.joinWith = async (request) => {
      const session = backend.openSession(request);
      request.clock.setTimer(() => session.lose(), 0); // lost right after core attached it
      return session;
    };
    backend.sessions[0]!.lose();
    await clock.advance(0);
    await clock.advance(0);
    const atOneInstant = backend.sessions.length;
    expect(atOneInstant).toBeLessThanOrEqual(3); // before the fix: 50 joins at one clock instant
    await clock.advance(10_000);
    // Capped backoff (1 s): about one join a second, not one per event-loop turn.
    expect(backend.sessions.length - atOneInstant).toBeLessThanOrEqual(16);
    expect(backend.sessions.length - atOneInstant).toBeGreaterThan(3);
    await elector.stop();
  });

  it('R6: an id taken during a rejoin is said plainly in state.reason', async () => {
    const { elector, backend, session, clock } = await startScripted();
    backend.joinWith = async () => {
      throw new DuplicateMemberError('b', 'the id "b" is registered by another live node.');
    };
    session.lose();
    await clock.advance(5000);
    expect(elector.state.phase).toBe('joining');
    expect(elector.state.reason).toMatchObject({ kind: 'duplicate-id' });
    expect(JSON.stringify(elector.state)).toContain('duplicate-id');
    await elector.stop();
  });

  it('F3: reading state past the deadline demotes first (phase and event, not only isLeader)', async () => {
    const { elector, session, clock, events } = await startScripted({ ttlMs: 3000 });
    session.acquireWith = async () => 2n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    clock.pause(2800); // frozen past ttl - margin, no timer ran
    const state = elector.state;
    expect(state.isLeader).toBe(false);
    expect(state.phase).not.toBe('leader');
    expect(events).toContainEqual({ type: 'demoted', reason: 'deadline', term: 2n });
  });

  it('F4: changes() on a stopped elector ends after the current state', async () => {
    const { elector } = await startScripted();
    await elector.stop();
    const iterator = elector.changes();
    expect((await iterator.next()).value?.phase).toBe('stopped');
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('F5: stop() removes the abort listener it put on the caller signal', async () => {
    const controller = new AbortController();
    const { elector } = await startScripted({ signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    await elector.stop();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('F6: a listener that re-enters the elector does not make others see events out of order', async () => {
    const { elector, session } = await startScripted({ mode: 'view' }, false);
    elector.on('elected', () => {
      void elector.stop(); // "lead once, then shut down"
    });
    const seen: string[] = [];
    elector.subscribe((event: ElectorEvent, state) => {
      if (event.type === 'elected' || event.type === 'demoted') seen.push(`${event.type}@${state.phase}`);
      if (event.type === 'phase') seen.push(`phase:${event.phase}`);
    });
    session.emit({ type: 'snapshot', members: [member('b')] });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([
      'elected@leader',
      'phase:leader',
      'demoted@stopping',
      'phase:stopping',
      'phase:stopped',
    ]);
  });

  it('F6b: runWhileLeader hands the task the term it is actually leading with', async () => {
    const { elector, session, clock } = await startScripted();
    session.acquireWith = async () => 1n;
    // A subscriber that reacts synchronously re-enters the elector: term 1 is lost to x, then the
    // lock frees and this node takes term 3 at once.
    elector.on('elected', (event) => {
      if (event.term !== 1n) return;
      session.setHolder({ id: 'x', token: 2n });
      session.acquireWith = async () => 3n;
      session.setHolder(null);
    });
    const terms: (bigint | null)[] = [];
    const loop = runWhileLeader(elector, async (signal, term) => {
      terms.push(term);
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
    });
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1);
    expect(elector.state.term).toBe(3n);
    expect(terms).toEqual([3n]); // before: [1n], a fencing token of a leadership that had ended
    await elector.stop();
    await loop;
  });
});

describe('second review: the claim protocol', () => {
  it('G1 (liveness): the resync safety net asks the backend again when a holder change was missed', async () => {
    const { elector, session, clock } = await startScripted({ resyncIntervalMs: 5000 });
    // The watch last showed x holding the key; x's lease then expired, but that delete event was
    // lost (a stalled watch), which is exactly the case the resync "safety net" is there for.
    session.setHolder({ id: 'x', token: 3n });
    session.acquireWith = async () => 9n; // the key is free: asking would win it
    session.emit({ type: 'snapshot', members: [member('b')] });
    for (let i = 0; i < 4; i++) {
      await clock.advance(5000);
      session.renew(clock.now() + 60_000);
    }
    // Four resync periods later the claim has never asked: unpark() sets it free, and the
    // evaluate() right after parks it again on the same stale holder without a call.
    expect(session.acquires).toBeGreaterThan(0);
    expect(elector.state).toMatchObject({ isLeader: true, term: 9n });
    await elector.stop();
  });

  it('G2 (liveness/CPU): a null answer after a duplicate holder event retries at once, with no backoff', async () => {
    const { elector, session, clock } = await startScripted();
    // Another node holds the key, but this node's holder watch lags and shows it free; it also
    // re-delivers that (stale) state now and then, as a reconnecting watch does. One duplicate
    // event during each tryAcquire is enough for the claim to ask again at once, for ever.
    let calls = 0;
    session.acquireWith = async () => {
      calls++;
      if (calls < 500) session.setHolder(null); // a duplicate "free" arrives while the call is in flight
      return null;
    };
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(0);
    // All of these at one clock instant: a busy loop (R7's class), not one try per backoff step.
    expect(session.acquires).toBeLessThanOrEqual(5);
    await elector.stop();
  });

  it('G3 (spec): a lock call that timed out is still in flight when the next one is sent', async () => {
    const { elector, session, clock } = await startScripted({ lockTimeoutMs: 1000 });
    let inFlight = 0;
    let maxInFlight = 0;
    session.acquireWith = () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise<bigint | null>(() => {}); // a request stuck on the wire (etcd3: 3 txns of requestTimeoutMs)
    };
    session.emit({ type: 'snapshot', members: [member('b')] });
    for (let i = 0; i < 5; i++) {
      await clock.advance(1000);
      session.renew(clock.now() + 60_000);
    }
    // The issue: "never two lock operations in flight for one node"; a timed-out call "may have
    // committed" and must be confirmed or released before the node asks again. Here the claim
    // stops waiting after lockTimeoutMs and sends another tryAcquire while the first is pending.
    expect(maxInFlight).toBe(1);
    await elector.stop();
  });
});
