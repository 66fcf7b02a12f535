import { describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  ClientUses,
  type Clock,
  ConfigurationError,
  createErrorMapper,
  Listeners,
  MalformedEntryError,
  MalformedReporter,
  type RenewalOutcome,
  SessionLostError,
  startRenewals,
  withTimeout,
} from '../src/adapter/index.js';
import { ElectionError as MainElectionError } from '../src/index.js';
import { createTestClock, createTestClockPair } from './support/manual-clock.js';
import { recordingLogger } from './support/recording-logger.js';

describe('@election/core/adapter', () => {
  it('hands out the same classes as the main entry (instanceof holds across entries)', () => {
    expect(new ConfigurationError('x')).toBeInstanceOf(MainElectionError);
  });

  describe('Listeners', () => {
    it('a throwing listener is logged and the others still hear', () => {
      const { logger, lines } = recordingLogger();
      const set = new Listeners<number>(logger, 'onError');
      const heard: number[] = [];
      set.add(() => {
        throw new Error('bad subscriber');
      });
      set.add((value) => heard.push(value));
      set.emit(1);
      expect(heard).toEqual([1]);
      expect(lines.map(({ level, msg }) => ({ level, msg }))).toEqual([
        { level: 'error', msg: 'a onError listener threw; ignored' },
      ]);
    });

    it('once: emits at most one value; a late subscriber hears it once, on a microtask; an unsubscribed one never', async () => {
      const { logger } = recordingLogger();
      const lost = new Listeners<string>(logger, 'onLost', { once: true });
      const early: string[] = [];
      lost.add((value) => early.push(value));
      expect(lost.emit('first')).toBe(true);
      expect(lost.emit('second')).toBe(false);
      const late: string[] = [];
      lost.add((value) => late.push(value));
      expect(late).toEqual([]); // not inside add()
      const cancelled: string[] = [];
      const off = lost.add((value) => cancelled.push(value));
      off();
      await Promise.resolve();
      expect(early).toEqual(['first']);
      expect(late).toEqual(['first']);
      expect(cancelled).toEqual([]);
    });

    it('replay: a new listener gets the latest value first; equal values are not emitted again', () => {
      const { logger } = recordingLogger();
      const feed = new Listeners<number[]>(logger, 'watchMembers', {
        replay: (a, b) => a.join() === b.join(),
      });
      feed.emit([1]);
      const seen: number[][] = [];
      feed.add((value) => seen.push(value));
      expect(feed.emit([1])).toBe(false);
      feed.emit([1, 2]);
      expect(seen).toEqual([[1], [1, 2]]);
    });

    it('add(listener, { value }) gives that listener alone its first value', () => {
      const { logger } = recordingLogger();
      const set = new Listeners<string>(logger, 'watchMembers');
      const a: string[] = [];
      const b: string[] = [];
      set.add((value) => a.push(value));
      set.add((value) => b.push(value), { value: 'snapshot' });
      set.emit('delta');
      expect(a).toEqual(['delta']);
      expect(b).toEqual(['snapshot', 'delta']);
    });
  });

  describe('MalformedReporter', () => {
    it('reports a key once per version, again after it was fixed and broke again', () => {
      const { logger, lines } = recordingLogger();
      const reported: string[] = [];
      const reporter = new MalformedReporter(logger, (error) => reported.push(error.key));
      const error = new MalformedEntryError('k', 'bad', { source: '@election/test' });
      expect(reporter.report(error, 1n)).toBe(true);
      expect(reporter.report(error, 1n)).toBe(false);
      expect(reporter.report(error, 2n)).toBe(true);
      reporter.retain([]);
      expect(reporter.report(error, 2n)).toBe(true);
      expect(reported).toEqual(['k', 'k', 'k']);
      expect(lines.filter((line) => line.level === 'warn')).toHaveLength(3);
    });
  });

  describe('createErrorMapper', () => {
    const toElectionError = createErrorMapper('@election/test', (error, action, reason, source) =>
      error instanceof TypeError
        ? new ConfigurationError(`refused to ${action}: ${reason}. Fix it.`, { source, cause: error })
        : undefined,
    );

    it('prefixes the source, keeps the cause (a masked copy), reads "Could not <action>"', () => {
      const cause = Object.assign(new RangeError('ECONNREFUSED 127.0.0.1:2379'), { code: 'ECONNREFUSED' });
      const error = toElectionError(cause, 'renew the lease');
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect(error.message).toBe('[@election/test] Could not renew the lease: ECONNREFUSED 127.0.0.1:2379');
      // The cause is copied with its class, message and fields, its strings masked (issue 19 review
      // finding 4): the raw one is not kept, so util.inspect and pino's err serializer cannot leak it.
      expect(error.cause).toBeInstanceOf(RangeError);
      expect(error.cause).toMatchObject({ message: cause.message, code: 'ECONNREFUSED' });
      expect(error.cause).not.toBe(cause);
    });

    it('lets the classifier pick configuration errors, and passes ElectionErrors through', () => {
      expect(toElectionError(new TypeError('no'), 'join')).toBeInstanceOf(ConfigurationError);
      const lost = new SessionLostError('gone');
      expect(toElectionError(lost, 'join')).toBe(lost);
    });

    it('never carries credentials in the message', () => {
      const error = toElectionError(
        new Error('GET http://app:s3cret@127.0.0.1:8500/v1/kv/x?token=abc123&dc=a failed, Bearer xyz.789'),
        'read x',
      );
      expect(error.message).not.toMatch(/s3cret|abc123|xyz\.789/);
      expect(error.message).toContain('http://***@127.0.0.1:8500/v1/kv/x?token=***&dc=a');
    });
  });

  describe('ClientUses', () => {
    it('goes idle once, when the last hold ends; a hold ends once; work holds while in flight', async () => {
      let idles = 0;
      const uses = new ClientUses(() => idles++);
      const first = uses.hold();
      const second = uses.hold();
      first();
      first(); // a second call ends nothing
      expect({ idle: uses.idle, idles }).toEqual({ idle: false, idles: 0 });
      let finish: () => void = () => {};
      const work = uses.during(new Promise<void>((resolve) => (finish = resolve)));
      second();
      expect({ idle: uses.idle, idles }).toEqual({ idle: false, idles: 0 });
      finish();
      await work;
      expect({ idle: uses.idle, idles }).toEqual({ idle: true, idles: 1 });
      const failing = uses.during(Promise.reject(new Error('down')));
      await expect(failing).rejects.toThrow('down');
      expect(idles).toBe(2);
    });
  });

  describe('startRenewals', () => {
    /** A renewal loop from time 0 with a 3000 ms TTL (renewals every 1000 ms) and quiet callbacks. */
    const renewing = (clock: Clock, renew: () => Promise<RenewalOutcome>) =>
      startRenewals({ ttlMs: 3000, clock, startedAt: 0, renew, onLost: () => {}, onError: () => {} });

    it('moves the deadline only on an acknowledged renewal, from its send time; retries failures; reports a loss once', async () => {
      const clock = createTestClock(0);
      const answers: Array<() => Promise<RenewalOutcome>> = [];
      const errors: unknown[] = [];
      const lost: Error[] = [];
      let calls = 0;
      const renewer = startRenewals({
        ttlMs: 3000,
        clock,
        startedAt: 0,
        retry: { initialMs: 100, maxMs: 100, random: () => 1 },
        renew: () => {
          calls += 1;
          return (answers.shift() ?? (async () => ({ alive: true })))();
        },
        onLost: (cause) => lost.push(cause),
        onError: (error) => errors.push(error),
      });
      expect(renewer.deadline()).toBe(3000);
      answers.push(async () => {
        throw new Error('down');
      });
      await clock.advance(1000); // first renewal at TTL/3 fails
      expect(errors).toHaveLength(1);
      expect(renewer.deadline()).toBe(3000);
      await clock.advance(100); // retried 100 ms later, acknowledged
      expect(renewer.deadline()).toBe(1100 + 3000);
      answers.push(async () => ({ alive: true, ttlMs: 1000 })); // the backend granted less
      await clock.advance(1000);
      expect(renewer.deadline()).toBe(4100); // max(4100, 2100 + 1000)
      answers.push(async () => ({ alive: false, cause: new SessionLostError('gone') }));
      await clock.advance(1000);
      expect(lost).toHaveLength(1);
      const callsAtLoss = calls;
      await clock.advance(10_000);
      expect(lost).toHaveLength(1);
      expect(calls).toBe(callsAtLoss); // nothing renewed after the loss
      renewer.stop();
    });

    it('defect 4: the deadline counts from the send time of the acknowledged renewal, not its answer', async () => {
      const clock = createTestClock(0);
      // Every answer takes 400 ms of clock time (within the 1000 ms timeout).
      const renewer = renewing(
        clock,
        () => new Promise<RenewalOutcome>((resolve) => clock.setTimer(() => resolve({ alive: true }), 400)),
      );
      await clock.advance(1000); // the first renewal is sent at 1000...
      expect(renewer.deadline()).toBe(3000);
      await clock.advance(400); // ...and acknowledged at 1400
      expect(renewer.deadline()).toBe(1000 + 3000); // counted from the answer it would be 4400
      // The next one is due an interval after the last send (2000), not after the answer (2400).
      await clock.advance(1000); // sent at 2000, acknowledged at 2400
      expect(renewer.deadline()).toBe(2000 + 3000);
      renewer.stop();
    });

    it('reports each acknowledged renewal (its send time and round trip), not the failed ones, not after stop', async () => {
      const clock = createTestClock(0);
      let fail = false;
      const renewer = renewing(
        clock,
        () =>
          new Promise<RenewalOutcome>((resolve, reject) =>
            clock.setTimer(() => (fail ? reject(new Error('down')) : resolve({ alive: true })), 250),
          ),
      );
      const seen: Array<{ sentAt: number; latencyMs: number }> = [];
      const unsubscribe = renewer.onRenewal((renewal) => seen.push(renewal));
      renewer.onRenewal(() => {
        throw new Error('a listener that throws is skipped');
      });
      await clock.advance(1250); // sent at 1000, acknowledged at 1250
      expect(seen).toEqual([{ sentAt: 1000, latencyMs: 250 }]);
      fail = true;
      await clock.advance(1000); // sent at 2000, failed at 2250: not a renewal
      expect(seen).toHaveLength(1);
      fail = false;
      await clock.advance(1000);
      expect(seen.length).toBeGreaterThan(1);
      expect(seen.every((renewal) => renewal.latencyMs === 250)).toBe(true);
      unsubscribe();
      const count = seen.length;
      await clock.advance(5000);
      expect(seen).toHaveLength(count);
      renewer.stop();
    });

    it('defect 5: a suspend counts against the deadline (wall clock), a wall clock stepped back does not extend it', async () => {
      const clock = createTestClockPair(0);
      let answer = true;
      const renewer = renewing(clock, async () => {
        if (!answer) throw new Error('asleep');
        return { alive: true };
      });
      await clock.advance(1000); // acknowledged renewal sent at 1000: deadline 4000
      expect(renewer.deadline()).toBe(4000);
      answer = false;
      clock.suspend(5000); // the machine sleeps 5 s: the monotonic clock says 1000, the wall 6000
      // Before: 4000, "2.9 s left" although the lease expired at the backend meanwhile.
      expect(renewer.deadline()).toBe(4000 - 5000);
      expect(clock.now() >= renewer.deadline()).toBe(true);
      // Awake again, a renewal sent after the suspend is acknowledged: both clocks agree again.
      answer = true;
      await clock.advance(1000); // sent at 2000
      expect(renewer.deadline()).toBe(2000 + 3000);
      // A wall clock stepped back by an hour: the monotonic clock alone decides, nothing moves.
      clock.stepWall(-3_600_000);
      expect(renewer.deadline()).toBe(5000);
      // Stepped forward past the deadline: counted as time gone by (an early end: safe).
      clock.stepWall(3_600_000 + 4000);
      expect(renewer.deadline()).toBe(5000 - 4000);
      // Rounding-size disagreements (under WALL_SLACK_MS) do not move the deadline.
      await clock.advance(1000); // sent at 3000, acknowledged: both clocks re-based
      clock.stepWall(30);
      expect(renewer.deadline()).toBe(3000 + 3000);
      renewer.stop();
    });

    it('a clock without wallNow counts on the monotonic clock alone', async () => {
      const clock = createTestClock(0);
      const renewer = renewing(clock, async () => ({ alive: true }));
      await clock.advance(1000);
      clock.pause(500); // no wall clock to tell a pause from a suspend
      expect(renewer.deadline()).toBe(4000);
      renewer.stop();
    });

    it('a renewal that never settles is given up shortly after its timeout, and the renewals go on', async () => {
      const clock = createTestClock(0);
      const errors: unknown[] = [];
      let calls = 0;
      const renewer = startRenewals({
        ttlMs: 3000,
        clock,
        startedAt: 0,
        retry: { initialMs: 100, maxMs: 100, random: () => 1 },
        renew: () => {
          calls += 1;
          return calls === 1 ? new Promise<RenewalOutcome>(() => {}) : Promise.resolve({ alive: true });
        },
        onLost: () => {},
        onError: (error) => errors.push(error),
      });
      await clock.advance(1000); // the first renewal is sent and hangs (timeout: the 1000 ms interval)
      await clock.advance(1499);
      expect(errors).toHaveLength(0);
      await clock.advance(1); // 1000 + 500 grace later it counts as failed
      expect(errors).toHaveLength(1);
      await clock.advance(100); // retried, acknowledged
      expect(calls).toBe(2);
      expect(renewer.deadline()).toBe(2600 + 3000);
      await clock.advance(60_000);
      expect(calls).toBeGreaterThan(50);
      renewer.stop();
    });
  });

  it('withTimeout rejects with BackendUnavailableError naming the action', async () => {
    const clock = createTestClock(0);
    const never = new Promise<never>(() => {});
    const timed = withTimeout(never, 500, 'revoke the lease', { source: '@election/test', clock });
    const outcome = timed.catch((error: unknown) => error);
    await clock.advance(500);
    const error = await outcome;
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toBe('[@election/test] Could not revoke the lease within 500 ms.');
  });
});
