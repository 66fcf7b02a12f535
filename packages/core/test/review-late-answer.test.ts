import { describe, expect, it } from 'vitest';
import { member, startScripted } from './support/fixtures.js';

/**
 * Review of issue 19 defect 1 (a late lock answer is led on). README ("Why it is safe") and the
 * comment atop lock-claim.ts say an answer that arrives past the deadline "is not led on until a
 * renewal is acknowledged again and a new tryAcquire confirms the holding". That holds when the
 * answer arrives while the deadline is still past (reconfirm() turns the holding into an orphan).
 * It does not hold when the call was sent before the outage and answers after the renewal that
 * ended it: reconfirm() only acts on `held`, not on an `acquiring` call, so the answer, possibly
 * older than an out-of-band deletion the watch (down during the outage) never showed, is led on
 * with no confirming tryAcquire. That is exactly the hole reconfirm() exists to close.
 */
describe('review: a lock call in flight across an outage', () => {
  it('an answer sent before the deadline passed and received after the resume is confirmed before leading', async () => {
    const { elector, session, clock, events } = await startScripted({ ttlMs: 3000, lockTimeoutMs: 100 });
    let answer: (token: bigint) => void = () => {};
    session.acquireWith = () => new Promise((resolve) => (answer = resolve));
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1);
    expect(session.acquires).toBe(1);
    // No renewal is acknowledged: the deadline (3000 less the 300 ms margin) passes.
    await clock.advance(3000);
    expect(elector.state.reason).toMatchObject({ kind: 'backend-unreachable' });
    // Meanwhile, out of band, the holding the call made is deleted; the watch is down and never
    // shows it. Then a renewal is acknowledged again: the elector resumes.
    session.renew(clock.now() + 3000);
    await clock.advance(400); // the past-deadline poll (every TTL/10) sees the renewal
    expect(elector.state.reason).toMatchObject({ kind: 'acquiring' });
    expect(elector.state.isLeader).toBe(false);
    // Now the old call answers "acquired, 5".
    answer(5n);
    await clock.advance(1);
    // Documented: not led on until a new tryAcquire confirms it. Observed: elected at once on 5.
    expect(events.filter((event) => event.type === 'elected')).toEqual([]);
    expect(session.acquires).toBe(1);
    await elector.stop();
  });
});
