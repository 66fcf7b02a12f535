import { describe, expect, it } from 'vitest';
import { createElector, type ElectorEvent, SessionLostError } from '../src/index.js';
import { member, startScripted } from './support/fixtures.js';
import { createTestClock } from './support/manual-clock.js';
import { recordingLogger } from './support/recording-logger.js';
import { createScriptedBackend } from './support/scripted-backend.js';

/**
 * The elector runtime's explanations and timings, rule by rule (issue 19: mutation testing showed
 * these rules held by no test): every `state.reason`, the handover delay, the outage poll, the
 * deadline margin, the rejoin backoff after young session losses, and what is logged.
 */

const held = (id: string, token: bigint) => ({ id, token });

describe('elector runtime: reasons', () => {
  it('outranked by priority, by id order, or by a custom order', async () => {
    const byPriority = await startScripted({ ttlMs: 3000 });
    byPriority.session.emit({ type: 'snapshot', members: [member('b'), member('z', { priority: -1 })] });
    expect(byPriority.elector.state.reason).toEqual({ kind: 'outranked', by: 'z', because: 'priority' });

    const byId = await startScripted({ ttlMs: 3000 });
    byId.session.emit({ type: 'snapshot', members: [member('b'), member('a')] });
    expect(byId.elector.state.reason).toEqual({ kind: 'outranked', by: 'a', because: 'id-order' });

    const custom = await startScripted({
      ttlMs: 3000,
      compare: (x, y) => (x.id < y.id ? 1 : x.id > y.id ? -1 : 0),
    });
    custom.session.emit({ type: 'snapshot', members: [member('b'), member('c')] });
    expect(custom.elector.state.reason).toEqual({ kind: 'outranked', by: 'c', because: 'custom-order' });
  });

  it('observer, no candidates, lock held by another (for at most a TTL), acquiring, leading', async () => {
    const observer = await startScripted({ ttlMs: 3000, observer: true });
    observer.session.emit({ type: 'snapshot', members: [member('b', { observer: true }), member('c')] });
    expect(observer.elector.state.reason).toEqual({ kind: 'observer' });

    const { session, elector } = await startScripted({ ttlMs: 3000 });
    session.emit({ type: 'snapshot', members: [] });
    expect(elector.state.reason).toEqual({ kind: 'no-candidates' });
    session.setHolder(held('x', 4n));
    session.emit({ type: 'snapshot', members: [member('b')] });
    expect(elector.state.reason).toEqual({ kind: 'lock-held-by', id: 'x', term: 4n, expiresWithinMs: 3000 });
    expect(elector.state.leaderId).toBe('x');
    expect(elector.state.phase).toBe('candidate');
    session.acquireWith = () => new Promise(() => {});
    session.setHolder(null);
    expect(elector.state.reason).toEqual({ kind: 'acquiring' });
    expect(elector.state.leaderId).toBeNull();
  });

  it('leading, then handover-pending with the time left, then handed over', async () => {
    const { session, elector, clock, events } = await startScripted({ ttlMs: 3000, handoverDelayMs: 1000 });
    session.acquireWith = async () => 7n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(0);
    expect(elector.state.reason).toEqual({ kind: 'leading', term: 7n });
    session.renew(clock.now() + 3000);
    session.emit({ type: 'put', member: member('a') });
    expect(elector.state.reason).toEqual({ kind: 'handover-pending', to: 'a', inMs: 1000 });
    await clock.advance(400);
    session.renew(clock.now() + 3000);
    session.emit({ type: 'put', member: member('c') }); // any event re-explains
    expect(elector.state.reason).toEqual({ kind: 'handover-pending', to: 'a', inMs: 600 });
    expect(elector.state.isLeader).toBe(true);
    await clock.advance(599);
    expect(elector.state.isLeader).toBe(true);
    await clock.advance(1);
    expect(elector.state.isLeader).toBe(false);
    expect(events.filter((e) => e.type === 'demoted')).toEqual([
      expect.objectContaining({ type: 'demoted', reason: 'handover', term: 7n }),
    ]);
    expect(session.releasedTokens).toEqual([7n]);
  });

  it('a pending handover is cancelled when the better member leaves again', async () => {
    const { session, elector, clock, events } = await startScripted({ ttlMs: 3000, handoverDelayMs: 1000 });
    session.acquireWith = async () => 7n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(0);
    session.emit({ type: 'put', member: member('a') });
    await clock.advance(500);
    session.renew(clock.now() + 3000);
    session.emit({ type: 'delete', id: 'a' });
    expect(elector.state.reason).toEqual({ kind: 'leading', term: 7n });
    await clock.advance(2000);
    session.renew(clock.now() + 3000);
    expect(elector.state.isLeader).toBe(true);
    expect(events.some((e) => e.type === 'demoted')).toBe(false);
    // A better member again: the delay starts afresh.
    session.emit({ type: 'put', member: member('a') });
    expect(elector.state.reason).toEqual({ kind: 'handover-pending', to: 'a', inMs: 1000 });
  });

  it('backend unreachable: since the last acknowledged send, with the last error', async () => {
    const { session, elector, clock } = await startScripted({ ttlMs: 3000 });
    session.acquireWith = async () => 7n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(0);
    const sentAt = clock.now();
    session.renew(sentAt + 3000);
    session.fail(new Error('keepalive refused'));
    await clock.advance(3000);
    expect(elector.state.reason).toEqual({
      kind: 'backend-unreachable',
      since: sentAt,
      lastError: expect.stringContaining('keepalive refused'),
    });
  });
});

describe('elector runtime: timing', () => {
  it('demotes exactly at the session deadline less deadlineMarginMs', async () => {
    const { session, elector, clock, events } = await startScripted({ ttlMs: 3000, deadlineMarginMs: 250 });
    session.acquireWith = async () => 7n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(0);
    const deadline = session.deadline();
    await clock.advance(deadline - 250 - clock.now() - 1);
    expect(events.filter((e) => e.type === 'demoted')).toHaveLength(0);
    expect(elector.state.isLeader).toBe(true);
    await clock.advance(1);
    expect(events.filter((e) => e.type === 'demoted').map((e) => (e as { reason: string }).reason)).toEqual([
      'deadline',
    ]);
  });

  it("reading the state moves the leader's deadline on with an acknowledged renewal", async () => {
    const { session, elector, clock } = await startScripted({ ttlMs: 3000, deadlineMarginMs: 300 });
    session.acquireWith = async () => 7n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(0);
    session.renew(clock.now() + 3000);
    expect(elector.state.leaseDeadline).toBe(clock.now() + 2700);
  });

  it('past the deadline, the deadline is polled every TTL/10: a renewal acknowledged meanwhile resumes at the next poll', async () => {
    const { session, elector, clock, events } = await startScripted({ ttlMs: 3000, deadlineMarginMs: 300 });
    session.acquireWith = async () => 7n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(0);
    const deadline = session.deadline() - 300;
    await clock.advance(deadline - clock.now());
    expect(events.filter((e) => e.type === 'demoted')).toEqual([
      expect.objectContaining({ reason: 'deadline' }),
    ]);
    const electedAt: number[] = [];
    elector.on('elected', () => electedAt.push(clock.now()));
    await clock.advance(10);
    session.renew(clock.now() + 3000); // acknowledged, silently: only a poll can see it
    await clock.advance(289);
    expect(electedAt).toEqual([]);
    await clock.advance(1); // deadline + 300
    expect(electedAt).toEqual([deadline + 300]);
  });

  it('the first loss of a session rejoins at once; a session that dies young again waits a backoff', async () => {
    const clock = createTestClock(0);
    const backend = createScriptedBackend();
    const elector = createElector({
      id: 'b',
      membership: backend,
      clock,
      ttlMs: 3000,
      backoff: { initialMs: 200, maxMs: 1000, random: () => 1 },
    });
    await elector.start();
    backend.sessions[0]?.lose(new SessionLostError('gone'));
    await clock.advance(0);
    expect(backend.sessions).toHaveLength(2); // at once
    backend.sessions[1]?.lose(new SessionLostError('gone again'));
    await clock.advance(199);
    expect(backend.sessions).toHaveLength(2); // a young death: waits the backoff (200 ms)
    await clock.advance(1);
    expect(backend.sessions).toHaveLength(3);
    // A session that lived a full TTL: the next loss rejoins at once again.
    await clock.advance(3000);
    backend.sessions[2]?.lose(new SessionLostError('gone late'));
    await clock.advance(0);
    expect(backend.sessions).toHaveLength(4);
    await elector.stop();
  });

  it('a lost session reports the loss as a SessionLostError, whatever the adapter gave', async () => {
    const { session, events, clock } = await startScripted({ ttlMs: 3000 });
    session.lose(new Error('lease 42 revoked'));
    await clock.advance(0);
    const errors = events.filter((e): e is Extract<ElectorEvent, { type: 'error' }> => e.type === 'error');
    expect(errors.map((e) => [e.error.name, e.error.message])).toEqual([
      ['SessionLostError', expect.stringContaining('the registration was lost: lease 42 revoked')],
    ]);
    expect(session.closed).toBe(true);
  });
});

describe('elector runtime: logs', () => {
  it('logs "joined" once at info, a rejoin at debug, "elected" with the term, and a throwing subscriber', async () => {
    const { logger, lines: logged } = recordingLogger();
    const { session, elector, clock, backend } = await startScripted({ ttlMs: 3000, logger });
    elector.subscribe(() => {
      throw new Error('subscriber bug');
    });
    session.acquireWith = async () => 7n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(0);
    session.lose(new SessionLostError('gone'));
    await clock.advance(0);
    expect(backend.sessions).toHaveLength(2);
    const lines = logged.map((l) => `${l.level} ${l.msg}`);
    expect(lines.filter((l) => l === 'info joined')).toHaveLength(1);
    expect(lines).toContain('debug joined again');
    expect(logged.find((l) => l.msg === 'elected')?.fields).toBe('{"term":"7"}');
    expect(lines).toContain('error an elector subscriber threw; the election goes on');
  });
});
