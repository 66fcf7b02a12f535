import { describe, expect, it } from 'vitest';
import { type RenewalOptions, type RenewalOutcome, startRenewals } from '../src/adapter/index.js';
import { SessionLostError } from '../src/index.js';
import { createTestClock, type TestClock } from './support/manual-clock.js';
import { recordingLogger } from './support/recording-logger.js';

/**
 * The kit's renewal loop, rule by rule (issue 19: mutation testing found these rules untested).
 * Each renewal is answered by the test, at a clock time of its choosing, so the send time and the
 * answer time differ: the deadline counts from the send time (defect 4).
 */

interface Call {
  readonly sentAt: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  answer(outcome: RenewalOutcome): void;
  fail(error: Error): void;
}

function loop(clock: TestClock, options: Partial<RenewalOptions> = {}) {
  const calls: Call[] = [];
  const errors: { error: unknown; retryInMs: number }[] = [];
  const lost: Error[] = [];
  const renewer = startRenewals({
    ttlMs: 3000,
    clock,
    startedAt: clock.now(),
    renew: (signal, timeoutMs) =>
      new Promise<RenewalOutcome>((resolve, reject) => {
        calls.push({ sentAt: clock.now(), timeoutMs, signal, answer: resolve, fail: reject });
      }),
    onLost: (cause) => lost.push(cause),
    onError: (error, retryInMs) => errors.push({ error, retryInMs }),
    ...options,
  });
  return { renewer, calls, errors, lost, last: () => calls.at(-1) as Call };
}

describe('startRenewals (the kit renewal loop)', () => {
  it('renews every TTL/3 by default, passes the interval as the timeout, and counts the deadline from the send time', async () => {
    const clock = createTestClock(0);
    const { renewer, calls, last } = loop(clock);
    expect(renewer.deadline()).toBe(3000);
    await clock.advance(999);
    expect(calls).toHaveLength(0);
    await clock.advance(1);
    expect(calls.map((c) => [c.sentAt, c.timeoutMs])).toEqual([[1000, 1000]]);
    await clock.advance(400); // answered 400 ms after it was sent
    last().answer({ alive: true });
    await clock.advance(0);
    expect(renewer.deadline()).toBe(1000 + 3000); // not 1400 + 3000
    // The next one is due one interval after the previous send, not after its answer.
    await clock.advance(599);
    expect(calls).toHaveLength(1);
    await clock.advance(1);
    expect(calls.map((c) => c.sentAt)).toEqual([1000, 2000]);
    renewer.stop();
  });

  it('takes intervalMs and timeoutMs when given, and schedules the first renewal from startedAt', async () => {
    const clock = createTestClock(10_000);
    const { renewer, calls } = loop(clock, { intervalMs: 500, timeoutMs: 250, startedAt: 9800 });
    expect(renewer.deadline()).toBe(9800 + 3000);
    await clock.advance(299);
    expect(calls).toHaveLength(0);
    await clock.advance(1); // 9800 + 500
    expect(calls.map((c) => [c.sentAt, c.timeoutMs])).toEqual([[10_300, 250]]);
    renewer.stop();
  });

  it('renews at once when startedAt is more than an interval ago', async () => {
    const clock = createTestClock(10_000);
    const { renewer, calls } = loop(clock, { startedAt: 5000 });
    await clock.advance(0);
    expect(calls.map((c) => c.sentAt)).toEqual([10_000]);
    renewer.stop();
  });

  it('never moves the deadline back, and never past the TTL even if the backend grants more', async () => {
    const clock = createTestClock(0);
    const { renewer, last } = loop(clock);
    await clock.advance(1000);
    last().answer({ alive: true, ttlMs: 10_000 });
    await clock.advance(0);
    expect(renewer.deadline()).toBe(1000 + 3000); // min(TTL, granted)
    await clock.advance(1000);
    last().answer({ alive: true, ttlMs: 500 }); // sent at 2000: 2500 < 4000
    await clock.advance(0);
    expect(renewer.deadline()).toBe(4000);
    renewer.stop();
  });

  it('retries failures with a growing backoff capped at the interval, reports each with its delay, and starts small again after a success', async () => {
    const clock = createTestClock(0);
    const { renewer, calls, errors, last } = loop(clock, { retry: { random: () => 1 } });
    await clock.advance(1000);
    last().fail(new Error('down 1'));
    await clock.advance(0);
    expect(errors.map((e) => e.retryInMs)).toEqual([100]);
    expect(String(errors[0]?.error)).toBe('Error: down 1');
    await clock.advance(99);
    expect(calls).toHaveLength(1);
    await clock.advance(1);
    expect(calls).toHaveLength(2);
    last().fail(new Error('down 2'));
    await clock.advance(200);
    last().fail(new Error('down 3'));
    await clock.advance(400);
    last().fail(new Error('down 4'));
    await clock.advance(800);
    last().fail(new Error('down 5'));
    await clock.advance(1000);
    expect(errors.map((e) => e.retryInMs)).toEqual([100, 200, 400, 800, 1000]);
    last().answer({ alive: true });
    await clock.advance(1000);
    last().fail(new Error('down again'));
    await clock.advance(0);
    expect(errors.at(-1)?.retryInMs).toBe(100); // reset by the success
    expect(renewer.deadline()).toBe(3500 + 3000);
    renewer.stop();
  });

  it('uses the retry options it is given', async () => {
    const clock = createTestClock(0);
    const { renewer, errors, last } = loop(clock, { retry: { initialMs: 40, maxMs: 60, random: () => 0 } });
    await clock.advance(1000);
    last().fail(new Error('down'));
    await clock.advance(20);
    last().fail(new Error('down'));
    await clock.advance(30);
    last().fail(new Error('down'));
    await clock.advance(30);
    expect(errors.map((e) => e.retryInMs)).toEqual([20, 30, 30]); // half of 40, 60, 60 (random 0)
    renewer.stop();
  });

  it('reports a loss once, aborts the signal, and leaves no timer', async () => {
    const clock = createTestClock(0);
    const { renewer, calls, lost, last } = loop(clock);
    await clock.advance(1000);
    const call = last();
    const cause = new SessionLostError('gone');
    call.answer({ alive: false, cause });
    await clock.advance(0);
    expect(lost).toEqual([cause]);
    expect(call.signal.aborted).toBe(true);
    expect(renewer.deadline()).toBe(3000);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(10_000);
    expect(calls).toHaveLength(1);
    expect(lost).toHaveLength(1);
  });

  it('stop() aborts the renewal in flight, leaves no timer, and ignores its late answer', async () => {
    const clock = createTestClock(0);
    const { renewer, calls, errors, lost, last } = loop(clock);
    await clock.advance(1000);
    const call = last();
    renewer.stop();
    expect(call.signal.aborted).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
    call.answer({ alive: true });
    await clock.advance(10_000);
    expect(renewer.deadline()).toBe(3000);
    expect(calls).toHaveLength(1);
    expect(errors).toHaveLength(0);
    expect(lost).toHaveLength(0);
  });

  it('stop() while a failure is being retried: no retry, no report', async () => {
    const clock = createTestClock(0);
    const { renewer, calls, errors, last } = loop(clock);
    await clock.advance(1000);
    renewer.stop();
    last().fail(new Error('aborted'));
    await clock.advance(10_000);
    expect(errors).toHaveLength(0);
    expect(calls).toHaveLength(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('gives up a hung renewal after its timeout plus half of it (at most 1 s more), naming the limit', async () => {
    const clock = createTestClock(0);
    const { renewer, errors, calls } = loop(clock, { timeoutMs: 400 });
    await clock.advance(1000);
    await clock.advance(599);
    expect(errors).toHaveLength(0);
    await clock.advance(1); // 400 + 200
    expect(errors.map((e) => (e.error as Error).message)).toEqual([
      'the renewal did not settle within 600 ms',
    ]);
    calls[0]?.answer({ alive: true }); // too late: ignored
    await clock.advance(0);
    expect(renewer.deadline()).toBe(3000);
    renewer.stop();

    const clock2 = createTestClock(0);
    const long = loop(clock2, { timeoutMs: 4000 });
    await clock2.advance(1000 + 4999);
    expect(long.errors).toHaveLength(0);
    await clock2.advance(1); // 4000 + min(1000, 2000)
    expect(long.errors.map((e) => (e.error as Error).message)).toEqual([
      'the renewal did not settle within 5000 ms',
    ]);
    long.renewer.stop();
  });

  it('a renewal that settles in time cancels its bound: no error later', async () => {
    const clock = createTestClock(0);
    const { renewer, errors, last } = loop(clock);
    await clock.advance(1000);
    last().answer({ alive: true });
    await clock.advance(0);
    expect(clock.pendingTimers()).toBe(1); // the next renewal only
    await clock.advance(1400);
    expect(errors).toHaveLength(0);
    renewer.stop();
  });
});

describe('startRenewals on a clock pair (defect 5)', () => {
  it('dates the join send on the wall clock too, so a suspend before the first renewal shortens the deadline', async () => {
    const mono = createTestClock(10_000);
    let wall = 1_000_000;
    const clock = { ...mono, wallNow: () => wall };
    const renewer = startRenewals({
      ttlMs: 3000,
      clock,
      startedAt: 9000, // the join was sent 1 s ago
      renew: () => new Promise<RenewalOutcome>(() => {}),
      onLost: () => {},
      onError: () => {},
    });
    expect(renewer.deadline()).toBe(12_000);
    wall += 1500; // suspended 1.5 s: the monotonic clock did not move
    expect(renewer.deadline()).toBe(10_500);
    renewer.stop();
  });

  it('an onRenewal listener that throws is logged by that name, and the renewals go on', async () => {
    const clock = createTestClock(0);
    const { lines, logger } = recordingLogger();
    const { renewer, calls, last } = loop(clock, { logger });
    renewer.onRenewal(() => {
      throw new Error('subscriber bug');
    });
    await clock.advance(1000);
    last().answer({ alive: true });
    await clock.advance(0);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([
      'a onRenewal listener threw; ignored',
    ]);
    await clock.advance(1000);
    expect(calls).toHaveLength(2);
    renewer.stop();
  });
});
