import { describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  createErrorMapper,
  LifecycleError,
  type MembershipEvent,
  SessionLostError,
  SessionSkeleton,
  type SessionSkeletonOptions,
  type Unsubscribe,
} from '../src/adapter/index.js';
import { createTestClock } from './support/manual-clock.js';
import { recordingLogger } from './support/recording-logger.js';

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** A skeleton on scripted primitives; `calls` records what reached the backend, in order. */
function skeleton(extra: Partial<SessionSkeletonOptions> = {}) {
  const clock = createTestClock(0);
  const log = recordingLogger();
  const calls: string[] = [];
  let holds = 0;
  const ended = new Set<bigint>();
  let revoke: () => Promise<void> = async () => {};
  const session = new SessionSkeleton({
    logger: log.logger,
    clock,
    source: 'test',
    what: 'test session',
    mapError: createErrorMapper('test'),
    feed: {
      watchMembers: (listener: (event: MembershipEvent) => void): Unsubscribe => {
        listener({ type: 'snapshot', members: [] });
        return () => {};
      },
      watchHolder: (listener) => {
        listener(null, 1n);
        return () => {};
      },
      showedEnd: (token) => ended.has(token),
      start: () => calls.push('feed start'),
      stop: () => calls.push('feed stop'),
    },
    hold: () => {
      holds++;
      calls.push(`hold ${holds}`);
      return () => {
        holds--;
        calls.push(`release ${holds}`);
      };
    },
    ended: () => calls.push('ended'),
    abandon: () => calls.push('abandon'),
    gone: () => calls.push('gone'),
    revoke: (why, signal) => {
      calls.push(why === 'loss' && signal === undefined ? 'revoke' : 'revoke bounded');
      return revoke();
    },
    revokeAction: 'revoke the registration',
    leaveTimeoutMs: 1000,
    ...extra,
  });
  return {
    clock,
    log,
    calls,
    ended,
    session,
    holds: () => holds,
    setRevoke: (fn: () => Promise<void>) => {
      revoke = fn;
    },
  };
}

describe('SessionSkeleton', () => {
  it('lose: stops everything, then onLost once (late listeners too); the client is held until the clean-up settles', async () => {
    const t = skeleton();
    t.session.start();
    const lost: string[] = [];
    t.session.onLost((cause) => lost.push(cause.message));
    let finish: () => void = () => {};
    const cause = new SessionLostError('gone for good', { source: 'test' });
    expect(t.session.lose(cause, () => new Promise<void>((resolve) => (finish = resolve)))).toBe(true);
    expect(t.session.lose(cause)).toBe(false);
    expect(t.calls).toEqual(['feed start', 'hold 1', 'feed stop', 'ended', 'hold 2', 'release 1']);
    expect(lost).toEqual(['[test] gone for good']);
    expect(t.holds()).toBe(1);
    finish();
    await flush();
    expect(t.holds()).toBe(0);
    expect(t.log.lines.find((l) => l.msg === '[test] gone for good')?.level).toBe('info');
    expect(() => t.session.assertActive('this')).toThrow(SessionLostError);
  });

  it('loseAlive: the registration is revoked, counted abandoned once the request is sent, and gone once confirmed', async () => {
    const t = skeleton();
    t.session.loseAlive(new SessionLostError('taken', { source: 'test' }));
    await flush();
    expect(t.calls).toEqual(['hold 1', 'feed stop', 'ended', 'revoke', 'abandon', 'gone', 'release 0']);
  });

  it('loseAlive: a failed revocation is one warning; the registration stays abandoned', async () => {
    const t = skeleton();
    t.setRevoke(() => Promise.reject(new Error('unreachable')));
    t.session.loseAlive(new SessionLostError('taken', { source: 'test' }));
    await flush();
    expect(t.calls).not.toContain('gone');
    expect(t.log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      '[test] Could not revoke the registration: unreachable; it expires by its TTL.',
    ]);
  });

  it('quietLoss: the loss and a failed revocation after it are debug lines only (core warns once itself)', async () => {
    const t = skeleton({ quietLoss: true });
    t.setRevoke(() => Promise.reject(new Error('unreachable')));
    t.session.loseAlive(new SessionLostError('taken', { source: 'test' }));
    await flush();
    expect(t.log.lines.filter((l) => l.level !== 'debug')).toEqual([]);
    expect(t.log.lines.map((l) => l.msg)).toContain('[test] taken');
    expect(t.log.lines.map((l) => l.msg)).toContain(
      '[test] Could not revoke the registration: unreachable; it expires by its TTL.',
    );
  });

  it('leave: revokes once however often called, and settles within its bound when the backend hangs', async () => {
    const t = skeleton();
    t.setRevoke(() => new Promise<void>(() => {}));
    const first = t.session.leave();
    expect(t.session.leave()).toBe(first);
    let settled = false;
    void first.then(() => (settled = true));
    await t.clock.advance(999);
    expect(settled).toBe(false);
    await t.clock.advance(1);
    expect(settled).toBe(true);
    expect(t.calls.filter((c) => c.startsWith('revoke'))).toEqual(['revoke bounded']);
    expect(t.log.lines.find((l) => l.level === 'warn')?.msg).toBe(
      '[test] leaving took longer than 1000 ms; it expires by its TTL.',
    );
    expect(t.holds()).toBe(0);
    expect(t.clock.pendingTimers()).toBe(0);
  });

  it("leave: with leaveError, a failure rejects with the adapter's error", async () => {
    const t = skeleton({
      leaveError: (error) => new BackendUnavailableError(`could not leave (${String(error)})`),
    });
    t.setRevoke(() => Promise.reject(new Error('refused')));
    await expect(t.session.leave()).rejects.toThrow('could not leave (Error: refused)');
    expect(t.calls).toContain('abandon');
  });

  it('leave of a lost session sends nothing, unless revokeLost (a registration that may live on)', async () => {
    const quiet = skeleton();
    quiet.session.lose(new SessionLostError('expired', { source: 'test' }));
    await quiet.session.leave();
    expect(quiet.calls.filter((c) => c.startsWith('revoke'))).toEqual([]);
    const revoking = skeleton({ revokeLost: true });
    revoking.session.lose(new SessionLostError('taken', { source: 'test' }));
    await revoking.session.leave();
    expect(revoking.calls.filter((c) => c.startsWith('revoke'))).toEqual(['revoke bounded']);
  });

  it('close: an active registration is abandoned (left to its TTL); a left one is not', async () => {
    const active = skeleton();
    active.session.close();
    active.session.close();
    expect(active.calls).toEqual(['feed stop', 'ended', 'abandon']);
    const left = skeleton();
    await left.session.leave();
    left.calls.length = 0;
    left.session.close();
    expect(left.calls).toEqual([]);
  });

  it("update: guarded by the lifecycle; a record no longer ours is a SessionLostError with the adapter's words", async () => {
    let written = true;
    const t = skeleton({
      update: async () => written,
      updateLost: (member) => `"${member.id}" is not ours any more`,
    });
    const member = { id: 'a', priority: 1, observer: false, meta: {} };
    await t.session.update(member);
    written = false;
    await expect(t.session.update(member)).rejects.toThrow(SessionLostError);
    await expect(t.session.update(member)).rejects.toThrow('"a" is not ours any more');
    await t.session.leave();
    await expect(t.session.update(member)).rejects.toThrow(LifecycleError);
  });

  it('renewals: a failure is mapped and reported (one debug line); a renewal that finds the registration gone loses the session', async () => {
    let alive = true;
    const t = skeleton({
      renewals: {
        ttlMs: 3000,
        startedAt: 0,
        action: 'renew the registration',
        retry: { random: () => 1 },
        renew: async () => {
          if (!alive) return { alive: false, cause: new SessionLostError('expired', { source: 'test' }) };
          throw new Error('timeout');
        },
      },
    });
    expect(t.session.deadline()).toBe(Number.POSITIVE_INFINITY);
    t.session.start();
    expect(t.session.deadline()).toBe(3000);
    const errors: Error[] = [];
    const lost: Error[] = [];
    t.session.onError((error) => errors.push(error));
    t.session.onLost((cause) => lost.push(cause));
    await t.clock.advance(1000);
    expect(errors.map((e) => e.message)).toEqual(['[test] Could not renew the registration: timeout']);
    expect(t.log.lines.filter((l) => l.level === 'debug').map((l) => l.msg)).toContain(
      '[test] Could not renew the registration: timeout',
    );
    alive = false;
    await t.clock.advance(1000);
    expect(lost.map((e) => e.message)).toEqual(['[test] expired']);
    expect(t.calls).toContain('gone');
  });

  it("lock: the backend's calls, with the active-session check, a retry while the feed already showed the blocker end, and the feed's holder watch", async () => {
    const answers: Array<{ token: bigint } | { token: null; blocker: bigint | undefined }> = [
      { token: null, blocker: 7n },
      { token: null, blocker: 8n },
      { token: null, blocker: undefined },
    ];
    let attempts = 0;
    const t = skeleton({
      lock: {
        attempt: async () => answers[attempts++] ?? { token: 9n },
        release: async () => {},
        transfer: async () => 10n,
      },
    });
    const lock = t.session.lock;
    t.ended.add(7n); // the holding with token 7 was already shown gone: try again
    expect(await lock?.tryAcquire()).toBeNull();
    expect(attempts).toBe(2); // 8 is not shown gone: null, the watch will show its end
    expect(await lock?.tryAcquire()).toBeNull(); // no blocker named: null at once
    expect(attempts).toBe(3);
    expect(await lock?.transfer?.(9n, 'b')).toBe(10n);
    const seen: unknown[] = [];
    lock?.watchHolder((holder, revision) => seen.push([holder, revision]));
    expect(seen).toEqual([[null, 1n]]);
    t.session.close();
    await expect(lock?.tryAcquire()).rejects.toThrow(LifecycleError);
    await expect(lock?.transfer?.(9n, 'b')).rejects.toThrow('taking the lock');
    expect(attempts).toBe(3);
  });
});
