import { BackendUnavailableError, type MembershipEvent, SessionLostError } from '@election/core';
import { createManualClock, waitFor } from '@election/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type AdapterFixture, createAdapterFixture } from '../support/adapter-fixture.js';
import { createCaptureLogger } from '../support/capture-logger.js';
import { joinRequest } from '../support/join-request.js';

const ids = (event: MembershipEvent | undefined) =>
  (event?.type === 'snapshot' ? event.members : []).map((m) => m.id);

describe('a joined session (against the Consul simulator)', () => {
  let fx: AdapterFixture;
  afterEach(async () => {
    await fx.cleanup();
  });

  it('deadline = send time of the last acknowledged renewal + TTL; renewals every TTL/2', async () => {
    fx = await createAdapterFixture();
    const clock = createManualClock(50_000);
    const session = await fx.join(fx.backend(), joinRequest('node-a', { clock }));
    expect(session.deadline()).toBe(60_000);
    const renewals = () => fx.sim.requests.filter((r) => r.path.startsWith('/v1/session/renew/')).length;
    await clock.advance(4_999);
    expect(renewals()).toBe(0);
    await clock.advance(1);
    await waitFor(() => session.deadline() === 65_000, {
      timeoutMs: 2_000,
      message: 'the renewal at 55 s to count',
    });
    expect(renewals()).toBe(1);
  });

  it('a failed renewal is reported and retried; the deadline does not move until one is acknowledged', async () => {
    fx = await createAdapterFixture();
    const clock = createManualClock(0);
    const session = await fx.join(fx.backend(), joinRequest('node-a', { clock }));
    const errors: Error[] = [];
    session.onError((error) => errors.push(error));
    await fx.sim.stop();
    await clock.advance(5_000);
    await waitFor(() => errors.some((e) => /renew the session/.test(e.message)), {
      timeoutMs: 2_000,
      message: 'the failed renewal to be reported',
    });
    expect(errors[0]).toBeInstanceOf(BackendUnavailableError);
    expect(session.deadline()).toBe(10_000);
    await fx.sim.start();
    await waitFor(
      async () => {
        await clock.advance(100);
        return session.deadline() > 10_000;
      },
      { timeoutMs: 3_000, message: 'a retried renewal to be acknowledged' },
    );
    expect(session.deadline()).toBeGreaterThan(15_000);
  });

  it('rides through an agent outage past its deadline: renewals go on, the session survives, the deadline moves on, the lock stays held with the same token', async () => {
    // TTL 2 s on a manual clock shared with the simulator: renewed at 1 s (deadline 3 s), Consul
    // invalidates at 2×TTL after that renewal (5 s). The agent is unreachable from 1 s to 4 s.
    const clock = createManualClock(0);
    fx = await createAdapterFixture({ clock, minSessionTtlMs: 1_000 });
    const session = await fx.join(fx.backend(), joinRequest('node-a', { clock, ttlMs: 2_000 }));
    const id = fx.sim.state.kv.get(fx.memberKey('node-a'))?.session;
    const token = await session.lock.tryAcquire();
    expect(token).not.toBeNull();
    const lost: Error[] = [];
    const errors: Error[] = [];
    const events: MembershipEvent[] = [];
    session.onLost((cause) => lost.push(cause));
    session.onError((error) => errors.push(error));
    session.watchMembers((event) => events.push(event));
    await clock.advance(1_000);
    await waitFor(() => session.deadline() === 3_000, { timeoutMs: 2_000, message: 'the renewal at 1 s' });
    await fx.sim.disconnect();
    await waitFor(
      async () => {
        await clock.advance(100);
        return clock.now() >= 4_000;
      },
      { timeoutMs: 5_000, message: 'the clock to pass the deadline while the agent is down' },
    );
    // Past the deadline, renewals were still being retried (the kit's capped, jittered backoff).
    const failedRenewals = errors.filter((e) => /renew the session/.test(e.message)).length;
    expect(failedRenewals).toBeGreaterThan(3);
    expect(session.deadline()).toBe(3_000);
    await fx.sim.reconnect();
    await waitFor(
      async () => {
        await clock.advance(50);
        return session.deadline() > 4_000;
      },
      { timeoutMs: 3_000, message: 'a renewal to be acknowledged after the outage' },
    );
    expect(lost).toEqual([]);
    expect(fx.sim.state.session(id ?? '')).toBeDefined();
    expect(fx.sim.state.kv.get(fx.leaderKey)?.session).toBe(id);
    expect(await session.lock.tryAcquire()).toBe(token);
    // The watch resumed too: a node joining now is seen.
    await fx.join(fx.backend(), joinRequest('node-b', { clock, ttlMs: 2_000 }));
    await waitFor(
      async () => {
        await clock.advance(50);
        return ids(events.at(-1)).length === 2;
      },
      { timeoutMs: 3_000, message: 'node-b to be seen after the outage' },
    );
  });

  it('an outage longer than 2×TTL: Consul invalidated the session meanwhile; once it answers, onLost fires once', async () => {
    const clock = createManualClock(0);
    fx = await createAdapterFixture({ clock, minSessionTtlMs: 1_000 });
    const session = await fx.join(fx.backend(), joinRequest('node-a', { clock, ttlMs: 2_000 }));
    const id = fx.sim.state.kv.get(fx.memberKey('node-a'))?.session ?? '';
    const lost: Error[] = [];
    session.onLost((cause) => lost.push(cause));
    await fx.sim.disconnect();
    await waitFor(
      async () => {
        await clock.advance(100);
        return fx.sim.state.session(id) === undefined;
      },
      { timeoutMs: 5_000, message: 'Consul to invalidate the unrenewed session at 2×TTL' },
    );
    expect(lost).toEqual([]);
    await fx.sim.reconnect();
    await waitFor(
      async () => {
        await clock.advance(50);
        return lost.length > 0;
      },
      { timeoutMs: 3_000, message: 'onLost once Consul answers' },
    );
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeInstanceOf(SessionLostError);
  });

  it('watchMembers: a snapshot first (also to late subscribers), then every change', async () => {
    fx = await createAdapterFixture();
    const a = await fx.join(fx.backend(), joinRequest({ id: 'node-a', meta: { zone: 'z' } }));
    const events: MembershipEvent[] = [];
    a.watchMembers((event) => events.push(event));
    await waitFor(() => events.length > 0, { timeoutMs: 2_000, message: 'the first snapshot' });
    expect(events[0]).toEqual({ type: 'snapshot', members: [{ id: 'node-a', meta: { zone: 'z' } }] });
    const b = await fx.join(fx.backend(), joinRequest('node-b'));
    await waitFor(() => ids(events.at(-1)).length === 2, {
      timeoutMs: 2_000,
      message: 'node-b to appear',
    });
    const late: MembershipEvent[] = [];
    a.watchMembers((event) => late.push(event));
    expect(late).toHaveLength(1);
    await b.leave();
    await waitFor(() => late.length === 2, { timeoutMs: 2_000, message: 'node-b to disappear' });
    expect(late[1]).toEqual({ type: 'snapshot', members: [{ id: 'node-a', meta: { zone: 'z' } }] });
  });

  it('session invalidated behind its back: onLost fires once, at once, with SessionLostError', async () => {
    fx = await createAdapterFixture();
    const session = await fx.join(fx.backend(), joinRequest('node-a'));
    const lost: Error[] = [];
    session.onLost((cause) => lost.push(cause));
    const id = fx.sim.state.kv.get(fx.memberKey('node-a'))?.session ?? '';
    await fx.admin.session.destroy(id);
    await waitFor(() => lost.length > 0, { timeoutMs: 1_000, message: 'onLost' });
    expect(lost[0]).toBeInstanceOf(SessionLostError);
    const late: Error[] = [];
    session.onLost((cause) => late.push(cause));
    await waitFor(() => late.length === 1, {
      timeoutMs: 1_000,
      message: 'a late onLost subscriber to hear it',
    });
    expect(lost).toHaveLength(1);
  });

  it('member key deleted behind its back (session alive): lost too, and the session is destroyed to free its locks; the leader key is deleted before the destroy, so no lock-delay is armed on it', async () => {
    fx = await createAdapterFixture();
    const session = await fx.join(fx.backend(), joinRequest('node-a'));
    const id = fx.sim.state.kv.get(fx.memberKey('node-a'))?.session ?? '';
    expect(await session.lock?.tryAcquire()).not.toBeNull();
    const lost: Error[] = [];
    session.onLost((cause) => lost.push(cause));
    await fx.admin.kv.del(fx.memberKey('node-a'));
    await waitFor(() => lost.length > 0 && fx.sim.state.session(id) === undefined, {
      timeoutMs: 2_000,
      message: 'onLost and the session destroyed',
    });
    expect(fx.sim.state.kv.get(fx.leaderKey)).toBeUndefined();
    // Found in review: a plain destroy also frees the key; this pins the delete-before-destroy.
    expect(fx.sim.state.lockDelayEnd(fx.leaderKey)).toBeUndefined();
  });

  it('leave(): deletes the leader key and the member key while still held, then destroys the session, so neither is under lock-delay; idempotent', async () => {
    fx = await createAdapterFixture();
    const a = await fx.join(fx.backend(), joinRequest('node-a'));
    await a.lock?.tryAcquire();
    const first = a.leave();
    expect(a.leave()).toBe(first);
    await first;
    expect(fx.sim.state.allSessions()).toHaveLength(0);
    expect(fx.sim.state.kv.get(fx.memberKey('node-a'))).toBeUndefined();
    // Deleted before the session ended (lock-delay, the TTL by default, is armed only on keys the
    // ended session still holds): the next leader and this id's next join can take them at once.
    expect(fx.sim.state.kv.get(fx.leaderKey)).toBeUndefined();
    expect(fx.sim.state.lockDelayEnd(fx.leaderKey)).toBeUndefined();
    expect(fx.sim.state.lockDelayEnd(fx.memberKey('node-a'))).toBeUndefined();
    const order = fx.sim.requests
      .filter((r) => r.method !== 'GET')
      .map((r) => `${r.method} ${r.path}`)
      .slice(-3);
    expect(order).toEqual([
      `DELETE /v1/kv/${fx.leaderKey}`,
      `DELETE /v1/kv/${fx.memberKey('node-a')}`,
      expect.stringMatching(/^PUT \/v1\/session\/destroy\//),
    ]);
  });

  it('leave() is bounded when Consul is unreachable, and says the registration will expire', async () => {
    fx = await createAdapterFixture();
    const a = await fx.join(fx.backend({ leaveTimeoutMs: 300 }), joinRequest('node-a'));
    await fx.sim.stop();
    const from = performance.now();
    await expect(a.leave()).rejects.toThrow(/could not leave cleanly.*expires on its own within 2×TTL/);
    expect(performance.now() - from).toBeLessThan(2_000);
  });

  it('close(): stops renewals and watches and never touches Consul again; the registration stays', async () => {
    fx = await createAdapterFixture();
    const clock = createManualClock(0);
    const a = await fx.join(fx.backend(), joinRequest('node-a', { clock }));
    await waitFor(() => fx.sim.state.waitingQueries() > 0, {
      timeoutMs: 2_000,
      message: 'the watch to block',
    });
    a.close();
    a.close();
    await waitFor(() => fx.sim.state.waitingQueries() === 0, {
      timeoutMs: 2_000,
      message: 'the watch to hang up',
    });
    const seen = fx.sim.requests.length;
    await clock.advance(60_000);
    expect(fx.sim.requests.length).toBe(seen);
    expect(fx.sim.state.kv.get(fx.memberKey('node-a'))?.session).toBeDefined();
  });

  it('never logs the ACL token, even when every request fails and errors are logged with their stacks (debug)', async () => {
    fx = await createAdapterFixture({ aclToken: 'tok-very-secret' });
    const logger = createCaptureLogger();
    const clock = createManualClock(0);
    const session = await fx.join(
      fx.backend({ token: 'tok-very-secret' }),
      joinRequest('node-a', { clock, logger }),
    );
    await fx.sim.stop();
    await clock.advance(5_000);
    await waitFor(() => logger.records.some((r) => /renew the session/.test(r.msg ?? '')), {
      timeoutMs: 2_000,
      message: 'a logged failure',
    });
    await expect(session.leave()).rejects.toThrow(/could not leave cleanly/);
    expect(logger.text()).toContain('renew the session');
    expect(logger.text()).not.toContain('tok-very-secret');
  });

  it('own member key overwritten with junk: lost, and an immediate rejoin through the same backend works', async () => {
    fx = await createAdapterFixture();
    const backend = fx.backend();
    const session = await fx.join(backend, joinRequest('node-a'));
    const lost: Error[] = [];
    session.onLost((cause) => lost.push(cause));
    // A plain PUT keeps the lock (Consul preserves Session on a write) but the value is no member.
    await fx.admin.kv.set(fx.memberKey('node-a'), 'junk');
    await waitFor(() => lost.length > 0, { timeoutMs: 2_000, message: 'onLost' });
    await fx.join(backend, joinRequest('node-a'));
    const value = fx.sim.state.kv.get(fx.memberKey('node-a'))?.value?.toString();
    expect(JSON.parse(value ?? '')).toEqual({ id: 'node-a' });
  });
});
