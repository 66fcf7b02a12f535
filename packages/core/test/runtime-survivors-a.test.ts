import { describe, expect, it } from 'vitest';
import {
  type AcknowledgedRenewal,
  BackendUnavailableError,
  ConfigurationError,
  createElector,
  type ElectorEvent,
  type ElectorOptions,
  type LeaderLock,
  LifecycleError,
  type Member,
  SessionLostError,
} from '../src/index.js';
import { member, startScripted } from './support/fixtures.js';
import { createTestClock } from './support/manual-clock.js';
import { recordingLogger } from './support/recording-logger.js';
import { createScriptedBackend, type ScriptedSession } from './support/scripted-backend.js';

/**
 * Issue 19: the rules of `elector/runtime.ts` (its first half: start, setPriority, stop, attach,
 * the decision step's guards) that mutation testing showed no test held, one behaviour per test.
 */

/** Every message core produces starts so. */
const CORE = '[@election/core] ';
const errorsOf = (events: readonly ElectorEvent[]) =>
  events.flatMap((event) => (event.type === 'error' ? [event.error] : []));
const phasesOf = (events: readonly ElectorEvent[]) =>
  events.flatMap((event) => (event.type === 'phase' ? [event.phase] : []));

/** A scripted session that can rewrite its record in place, recording every record it was given. */
function withUpdate(session: ScriptedSession, answer: (record: Member) => Promise<void> = async () => {}) {
  const updates: Member[] = [];
  session.update = (record) => {
    updates.push(record);
    return answer(record);
  };
  return updates;
}

describe('setPriority()', () => {
  it('rewrites the live record through the backend, logs the change, and the next join registers it', async () => {
    const { logger, lines } = recordingLogger();
    const { elector, session, backend, clock } = await startScripted({ ttlMs: 3000, logger });
    const updates = withUpdate(session);
    await elector.setPriority(5);
    expect(updates).toEqual([{ id: 'b', priority: 5 }]);
    expect(lines.filter((l) => l.msg === 'priority changed')).toEqual([
      { level: 'info', msg: 'priority changed', fields: '{"priority":5}' },
    ]);
    session.lose(new SessionLostError('gone'));
    await clock.advance(0);
    expect(backend.sessions).toHaveLength(2);
    expect(backend.sessions[1]?.request.member).toEqual({ id: 'b', priority: 5 });
    await elector.stop();
  });

  it('between sessions, nothing is called on the backend and the next join registers the new priority', async () => {
    const { elector, session, backend, clock } = await startScripted({ ttlMs: 3000 });
    const updates = withUpdate(session);
    session.lose(new SessionLostError('gone')); // the rejoin starts at the next tick
    await expect(elector.setPriority(-3)).resolves.toBeUndefined();
    expect(updates).toEqual([]);
    await clock.advance(0);
    expect(backend.sessions).toHaveLength(2);
    expect(backend.sessions[1]?.request.member).toEqual({ id: 'b', priority: -3 });
    await elector.stop();
  });

  it('on a stopped elector rejects with a LifecycleError that says to create a new one', async () => {
    const { elector, backend } = await startScripted({ ttlMs: 3000 });
    await elector.stop();
    const error = await elector.setPriority(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LifecycleError);
    expect((error as Error).message).toBe(`${CORE}setPriority() on a stopped elector; create a new one.`);
    expect(backend.sessions).toHaveLength(1);
  });

  it('on a backend that cannot rewrite a live record rejects with a ConfigurationError naming the backend and the priority', async () => {
    const { elector, session, backend, clock } = await startScripted({ ttlMs: 3000 });
    const error = await elector.setPriority(7).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      `${CORE}the scripted backend cannot change a live member's priority; restart this node with priority 7 instead.`,
    );
    // Refused: the member stays as it was for the next join too.
    session.lose(new SessionLostError('gone'));
    await clock.advance(0);
    expect(backend.sessions[1]?.request.member).toEqual({ id: 'b' });
    await elector.stop();
  });

  it('an invalid priority is refused before anything changes', async () => {
    const { elector, session } = await startScripted({ ttlMs: 3000 });
    const updates = withUpdate(session);
    await expect(elector.setPriority(Number.NaN)).rejects.toBeInstanceOf(ConfigurationError);
    expect(updates).toEqual([]);
    await elector.stop();
  });

  it('a failed rewrite rejects with the backend error in context, and logs no change', async () => {
    const { logger, lines } = recordingLogger();
    const { elector, session } = await startScripted({ ttlMs: 3000, logger });
    withUpdate(session, async () => {
      throw new Error('etcd: request timed out');
    });
    const error = await elector.setPriority(2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toBe(`${CORE}changing the priority: etcd: request timed out`);
    expect(lines.some((l) => l.msg === 'priority changed')).toBe(false);
    await elector.stop();
  });
});

describe('stop() and late sessions', () => {
  it('a leave that fails on stop is reported as an error event, in context', async () => {
    const { elector, session, events } = await startScripted({ ttlMs: 3000 });
    session.leave = async () => {
      throw new Error('connection reset');
    };
    await elector.stop();
    expect(errorsOf(events).map((e) => [e.name, e.message])).toEqual([
      ['BackendUnavailableError', `${CORE}leaving on stop: connection reset`],
    ]);
    expect(elector.state.phase).toBe('stopped');
  });

  /** An elector whose first join completes and whose stop() lands right after: before start() attaches the session. */
  function stopBeforeAttach() {
    const clock = createTestClock();
    const backend = createScriptedBackend();
    const events: ElectorEvent[] = [];
    const run: { stopped?: Promise<void>; opened?: ScriptedSession } = {};
    const elector = createElector({ id: 'b', membership: backend, clock, ttlMs: 3000 });
    elector.subscribe((event) => events.push(event));
    backend.joinWith = (request) => {
      const opened = backend.openSession(request);
      run.opened = opened;
      opened.leave = async () => {
        opened.left = true;
        throw new Error('connection reset');
      };
      const joined = Promise.resolve(opened);
      // The join loop takes the session first (its own reaction to `joined` runs before this
      // microtask), then stop() runs, then start() resumes with the session.
      void joined.then(() =>
        queueMicrotask(() => {
          run.stopped = elector.stop();
        }),
      );
      return joined;
    };
    return { clock, elector, events, run };
  }

  it('a join that completes just after stop() is left, not attached; a failed leave is reported in context', async () => {
    const { clock, elector, events, run } = stopBeforeAttach();
    await expect(elector.start()).rejects.toThrow('stop() was called before the node finished joining');
    await run.stopped;
    await clock.advance(0);
    expect(run.opened?.left).toBe(true);
    expect(elector.state.phase).toBe('stopped');
    expect(phasesOf(events)).toEqual(['joining', 'stopping', 'stopped']);
    expect(errorsOf(events).map((e) => e.message)).toEqual([`${CORE}leaving after stop: connection reset`]);
    expect(clock.pendingTimers()).toBe(0);
  });

  // start() "resolves once joined (phase follower/candidate/leader)": a stop() that lands between
  // the join's answer and the attach rejects it as one during the join does (it resolved before).
  it('start() rejects with LifecycleError when stop() lands between the join and the attach', async () => {
    const { elector, run } = stopBeforeAttach();
    const outcome = await elector.start().then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await run.stopped;
    expect(outcome).toBeInstanceOf(LifecycleError);
  });

  it('a session whose attach fails during start() is left (resigned), and start() rejects', async () => {
    const clock = createTestClock();
    const backend = createScriptedBackend();
    let opened: ScriptedSession | undefined;
    backend.joinWith = async (request) => {
      opened = backend.openSession(request);
      opened.onError = () => {
        throw new Error('adapter bug');
      };
      return opened;
    };
    const elector = createElector({ id: 'b', membership: backend, clock, ttlMs: 3000 });
    await expect(elector.start()).rejects.toThrow('adapter bug');
    expect(opened?.left).toBe(true);
    expect(opened?.closed).toBe(false);
    expect(elector.state.phase).toBe('stopped');
  });
});

describe('what the session reports', () => {
  it('an error the session reports is emitted with the context "backend"', async () => {
    const { elector, session, events } = await startScripted({ ttlMs: 3000 });
    session.fail(new Error('watch stream broke'));
    expect(errorsOf(events).map((e) => [e.name, e.message])).toEqual([
      ['BackendUnavailableError', `${CORE}backend: watch stream broke`],
    ]);
    await elector.stop();
  });

  it('every acknowledged renewal is emitted as a renewal event with its send time and latency', async () => {
    const clock = createTestClock();
    const backend = createScriptedBackend();
    const renewalListeners: ((renewal: AcknowledgedRenewal) => void)[] = [];
    backend.joinWith = async (request) => {
      const session = backend.openSession(request);
      session.onRenewal = (listener) => {
        renewalListeners.push(listener);
        return () => {};
      };
      return session;
    };
    const elector = createElector({ id: 'b', membership: backend, clock, ttlMs: 3000 });
    const events: ElectorEvent[] = [];
    elector.subscribe((event) => events.push(event));
    await elector.start();
    expect(renewalListeners).toHaveLength(1);
    renewalListeners[0]?.({ sentAt: 1234, latencyMs: 17 });
    expect(events.filter((e) => e.type === 'renewal')).toEqual([
      { type: 'renewal', sentAt: 1234, latencyMs: 17 },
    ]);
    await elector.stop();
  });
});

describe('logs', () => {
  it('a throwing subscriber is logged with its error', async () => {
    const { logger, lines } = recordingLogger();
    const { elector, session } = await startScripted({ ttlMs: 3000, logger });
    elector.subscribe(() => {
      throw new Error('subscriber bug');
    });
    session.emit({ type: 'snapshot', members: [member('b')] });
    const line = lines.find((l) => l.msg === 'an elector subscriber threw; the election goes on');
    expect(line?.level).toBe('error');
    expect(line?.fields).toContain('subscriber bug');
    await elector.stop();
  });

  it('"joined" carries the TTL and the mode', async () => {
    const { logger, lines } = recordingLogger();
    const { elector } = await startScripted({ ttlMs: 3000, logger });
    expect(lines.find((l) => l.msg === 'joined')).toEqual({
      level: 'info',
      msg: 'joined',
      fields: '{"ttlMs":3000,"mode":"confirmed"}',
    });
    await elector.stop();
  });

  it('a fresh join does not claim to resume after a deadline', async () => {
    const { logger, lines } = recordingLogger();
    const { elector, session, clock } = await startScripted({ ttlMs: 3000, logger });
    session.acquireWith = async () => 7n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(0);
    expect(elector.state.isLeader).toBe(true);
    expect(lines.some((l) => l.msg?.startsWith('a renewal was acknowledged again'))).toBe(false);
    await elector.stop();
  });
});

describe('reading the state', () => {
  it("reading a non-leader's state changes nothing, even past its deadline: the deadline timer does that", async () => {
    const { elector, session, clock, events } = await startScripted({ ttlMs: 3000 });
    session.setHolder({ id: 'a', token: 3n });
    session.emit({ type: 'snapshot', members: [member('a'), member('b')] });
    const seen = events.length;
    clock.pause(3000); // past the deadline, no timer has run
    expect(elector.state).toMatchObject({ phase: 'follower', leaderId: 'a' });
    expect(elector.state.reason).toEqual({ kind: 'outranked', by: 'a', because: 'id-order' });
    expect(events).toHaveLength(seen);
    await clock.advance(0);
    expect(elector.state.reason.kind).toBe('backend-unreachable');
    expect(elector.state.leaderId).toBeNull();
    await elector.stop();
  });

  it('reading the state of a leader exactly at its deadline (less the margin) demotes it, with no timer run', async () => {
    const { elector, session, clock, events } = await startScripted({ ttlMs: 3000, deadlineMarginMs: 300 });
    session.acquireWith = async () => 7n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(0);
    expect(elector.state.phase).toBe('leader');
    clock.pause(session.deadline() - 300 - clock.now());
    expect(elector.state.phase).toBe('follower');
    expect(events.filter((e) => e.type === 'demoted')).toEqual([
      expect.objectContaining({ type: 'demoted', reason: 'deadline', term: 7n }),
    ]);
    await elector.stop();
  });

  it('a leader whose renewal was acknowledged stays leader when read past its old deadline', async () => {
    const { elector, session, clock } = await startScripted({ ttlMs: 3000, deadlineMarginMs: 300 });
    session.acquireWith = async () => 7n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(0);
    const first = elector.state.leaseDeadline!;
    await clock.advance(1000);
    session.renew(clock.now() + 3000);
    expect(elector.state.leaseDeadline).toBe(clock.now() + 2700);
    clock.pause(first - clock.now() + 100); // past the first deadline; no timer has run
    expect(elector.state.isLeader).toBe(true);
    await elector.stop();
  });
  it("a read only checks the deadline: it never runs the decision step (the giver's exclusion ends on its timer, not on a read)", async () => {
    const { elector, session, clock } = await startScripted({ ttlMs: 3000, handoverDelayMs: 0 });
    const transfers: Array<{ token: bigint; to: string }> = [];
    (session.lock as { transfer?: LeaderLock['transfer'] }).transfer = async (token, to) => {
      transfers.push({ token, to });
      return null;
    };
    // a (better ranked) hands its holding to b; b leads on it, excluding a for at most a TTL.
    session.emit({ type: 'snapshot', members: [member('a'), member('b')] });
    session.setHolder({ id: 'a', token: 3n });
    await clock.advance(10);
    session.setHolder({ id: 'b', token: 5n, handed: true });
    await clock.advance(10);
    expect(elector.state).toMatchObject({ isLeader: true, term: 5n });
    clock.pause(3000); // the exclusion is over, but no timer has run yet
    session.renew(clock.now() + 3000);
    expect(elector.state).toMatchObject({ isLeader: true, term: 5n });
    expect(transfers).toEqual([]);
    await clock.advance(0); // the exclusion's timer: the holding goes back to a
    expect(elector.state.isLeader).toBe(false);
    expect(transfers).toEqual([{ token: 5n, to: 'a' }]);
    await elector.stop();
  });
});

describe('joining', () => {
  it('while the first join is pending the reason says joining since the start, attempt 0, no error', async () => {
    const clock = createTestClock();
    const backend = createScriptedBackend();
    backend.joinWith = () => new Promise(() => {});
    const elector = createElector({ id: 'b', membership: backend, clock, ttlMs: 3000 });
    const started = elector.start().catch((error: unknown) => error);
    const since = clock.now();
    await clock.advance(500);
    expect(elector.state.reason).toEqual({ kind: 'joining', since, attempt: 0, lastError: null });
    await elector.stop();
    expect(await started).toBeInstanceOf(LifecycleError);
  });

  it('a rejoin says joining since the loss, attempt 0', async () => {
    const { elector, session, backend, clock } = await startScripted({ ttlMs: 3000 });
    await clock.advance(100);
    backend.joinWith = () => new Promise(() => {});
    const lostAt = clock.now();
    session.lose(new SessionLostError('gone'));
    await clock.advance(200);
    expect(elector.state.reason).toEqual({ kind: 'joining', since: lostAt, attempt: 0, lastError: null });
    await elector.stop();
  });

  it('while joins fail and no session exists, the only timers are the retry backoff and the resync', async () => {
    const clock = createTestClock();
    const backend = createScriptedBackend();
    backend.joinWith = async () => {
      throw new Error('connection refused');
    };
    const elector = createElector({ id: 'b', membership: backend, clock, ttlMs: 3000 });
    const started = elector.start().catch((error: unknown) => error);
    await clock.advance(0);
    expect(elector.state.reason).toMatchObject({ kind: 'joining', attempt: 1 });
    expect(clock.pendingTimers()).toBe(2);
    await elector.stop();
    expect(await started).toBeInstanceOf(LifecycleError);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('the first join shows joining then follower, with no members event before the first snapshot', async () => {
    const { elector, events } = await startScripted({ ttlMs: 3000 });
    expect(phasesOf(events)).toEqual(['joining', 'follower']);
    expect(events.some((e) => e.type === 'members')).toBe(false);
    await elector.stop();
  });

  it("a rejoin forgets the old session's members until the new session's snapshot", async () => {
    const { elector, session, backend, clock, events } = await startScripted({ ttlMs: 3000 });
    session.emit({ type: 'snapshot', members: [member('a'), member('b'), member('c')] });
    expect(elector.state.members.map((m) => m.id)).toEqual(['a', 'b', 'c']);
    session.lose(new SessionLostError('gone'));
    await clock.advance(0);
    expect(backend.sessions).toHaveLength(2);
    expect(elector.state.members).toEqual([]);
    expect(events.filter((e) => e.type === 'members').at(-1)).toEqual({ type: 'members', size: 0 });
    backend.sessions[1]?.emit({ type: 'snapshot', members: [member('b')] });
    expect(elector.state.members.map((m) => m.id)).toEqual(['b']);
    await elector.stop();
  });

  it('after a rejoin, stop() leaves no timer behind', async () => {
    const { elector, session, backend, clock } = await startScripted({ ttlMs: 3000 });
    session.lose(new SessionLostError('gone'));
    await clock.advance(0);
    expect(backend.sessions).toHaveLength(2);
    await elector.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('view mode', () => {
  it('never touches the lock of a backend that has one', async () => {
    const clock = createTestClock();
    const backend = createScriptedBackend();
    let watches = 0;
    backend.joinWith = async (request) => {
      const session = backend.openSession(request);
      const lock = session.lock!;
      const watch = lock.watchHolder.bind(lock);
      lock.watchHolder = (listener) => {
        watches++;
        return watch(listener);
      };
      return session;
    };
    const elector = createElector({ id: 'b', membership: backend, clock, ttlMs: 3000, mode: 'view' });
    await elector.start();
    const session = backend.sessions[0]!;
    session.emit({ type: 'snapshot', members: [member('b')] });
    for (let i = 0; i < 6; i++) {
      await clock.advance(1000);
      session.renew(clock.now() + 3000);
    }
    expect(elector.state.isLeader).toBe(true);
    expect(watches).toBe(0);
    expect(session.acquires).toBe(0);
    await elector.stop();
    expect(session.releases).toBe(0);
  });

  it('a leader demoted past its deadline leads again once a renewal is acknowledged, and says so at debug', async () => {
    const { logger, lines } = recordingLogger();
    const { elector, session, clock, events } = await startScripted(
      { ttlMs: 3000, mode: 'view', logger },
      false,
    );
    session.emit({ type: 'snapshot', members: [member('b')] });
    expect(elector.state.isLeader).toBe(true);
    await clock.advance(3000);
    expect(elector.state.isLeader).toBe(false);
    session.renew(clock.now() + 3000);
    await clock.advance(300); // the next poll
    expect(elector.state.isLeader).toBe(true);
    expect(events.filter((e) => e.type === 'elected')).toHaveLength(2);
    expect(lines.filter((l) => l.msg?.startsWith('a renewal was acknowledged again'))).toEqual([
      expect.objectContaining({
        level: 'debug',
        msg: 'a renewal was acknowledged again; resuming with the same registration',
      }),
    ]);
    await elector.stop();
  });
});

describe('outages', () => {
  it('the end of an outage is seen by polling every TTL/10, once min(TTL, 5 s) passed without a failure', async () => {
    const { logger, lines } = recordingLogger();
    const { elector, session, clock } = await startScripted({
      ttlMs: 3000,
      resyncIntervalMs: 60_000,
      logger,
    });
    const start = clock.now();
    await clock.advance(100);
    session.fail(new Error('keepalive refused')); // at start + 100
    // Time advances in steps of 100 ms, renewals acknowledged at each: the step in which the end
    // of the outage is logged is the time of the poll that saw it.
    let endedAt: number | undefined;
    for (let i = 0; i < 60 && endedAt === undefined; i++) {
      await clock.advance(100);
      session.renew(clock.now() + 3000);
      if (lines.some((l) => l.msg?.includes('answers again'))) endedAt = clock.now();
    }
    // Polled at start + 400, 700, …: the first poll at least 3000 ms after the failure is start + 3100.
    expect(endedAt).toBe(start + 3100);
    expect(lines.filter((l) => l.msg?.includes('answers again')).map((l) => l.level)).toEqual(['info']);
    await elector.stop();
  });
});

describe('lock holdings', () => {
  it.each([
    { keep: false, released: [5n], what: 'released' },
    { keep: true, released: [], what: "kept (the simulator's planted bug)" },
  ])('unsafeKeepOrphans $keep: an orphaned holding of ours is $what', async ({ keep, released }) => {
    const options = { ttlMs: 60_000, unsafeKeepOrphans: keep } as Partial<ElectorOptions>;
    const { elector, session, clock } = await startScripted(options);
    let answer: (token: bigint | null) => void = () => {};
    let fail: (error: Error) => void = () => {};
    session.acquireWith = () =>
      new Promise((resolve, reject) => {
        answer = resolve;
        fail = reject;
      });
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1);
    session.setHolder({ id: 'b', token: 5n }); // committed...
    fail(new Error('DEADLINE_EXCEEDED')); // ...but the answer was lost
    await clock.advance(1);
    session.emit({ type: 'put', member: member('a') });
    await clock.advance(5000);
    expect(elector.state.isLeader).toBe(false);
    expect(session.releasedTokens).toEqual(released);
    answer(null);
    await elector.stop();
  });
});
