import { describe, expect, it } from 'vitest';
import { type RenewalOutcome, startRenewals } from '../src/adapter/index.js';
import { createTestClock } from './support/manual-clock.js';

/**
 * The adversarial review of round 3 (review19c) refuted two renewals.ts "equivalent" claims;
 * each test fails with the named mutant planted by hand (their disable comments are gone).
 */
describe('startRenewals: two rules the mutation run first took for equivalent', () => {
  // renewals.ts:141 `if (this.#controller.signal.aborted) return;` in #schedule, disabled as
  // "every caller has already returned once the loop is aborted". Not so: #renewOnce's failure
  // path calls onError BEFORE #schedule, and an onError listener may stop the loop synchronously
  // (adapter onError -> core reportError -> an `error` subscriber calls elector.stop()). Mutant
  // (guard -> false): a renewal timer outlives stop(), and one more renewal is sent after it.
  it('stop() from inside onError leaves no timer and sends no renewal after it', async () => {
    const clock = createTestClock(0);
    let sends = 0;
    const renewer = startRenewals({
      ttlMs: 3000,
      clock,
      startedAt: 0,
      renew: () => {
        sends += 1;
        return Promise.reject(new Error('connection refused'));
      },
      onLost: () => {},
      onError: () => renewer.stop(),
    });
    await clock.advance(1000); // first renewal: fails, onError stops the loop
    expect(sends).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(10_000);
    expect(sends).toBe(1);
  });

  // renewals.ts:173 `sentAt + grantedMs > acked.at + grantedMs` (EqualityOperator, disabled as
  // "an equal deadline adopts the same monotonic value; only the wall reference could differ").
  // The wall reference is what counts a suspend (defect 5): with `>=`, a suspend between the two
  // sends stops counting, so deadline() differs (here 3400 against 4000). Both are safe (the
  // backend restarted its timer at the second send), but a test tells them apart: not equivalent.
  it('a renewal granting a shorter TTL that ends at the same instant keeps the older wall reference', async () => {
    const mono = createTestClock(0);
    let wall = 1_000_000;
    const clock = { ...mono, wallNow: () => wall + mono.now() };
    const answers: ((outcome: RenewalOutcome) => void)[] = [];
    const renewer = startRenewals({
      ttlMs: 3000,
      clock,
      startedAt: 0,
      renew: () => new Promise<RenewalOutcome>((resolve) => answers.push(resolve)),
      onLost: () => {},
      onError: () => {},
    });
    await mono.advance(1000);
    answers[0]?.({ alive: true }); // sent at 1000: deadline 4000
    await mono.advance(0);
    expect(renewer.deadline()).toBe(4000);
    await mono.advance(500);
    wall += 600; // suspended 0.6 s between the two sends
    await mono.advance(500);
    answers[1]?.({ alive: true, ttlMs: 2000 }); // sent at 2000, granted 2 s: also 4000
    await mono.advance(0);
    expect(renewer.deadline()).toBe(3400);
    renewer.stop();
  });
});
