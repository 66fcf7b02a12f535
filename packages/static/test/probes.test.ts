import { ConfigurationError, DuplicateMemberError, type MembershipEvent } from '@election/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createStaticMembership } from '../src/index.js';
import { deadUrl, type HealthServer, joinRequest, startHealthServer, trackView, waitFor } from './helpers.js';

const servers: HealthServer[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

async function server(mode: HealthServer['mode'] = 'ok') {
  const started = await startHealthServer(mode);
  servers.push(started);
  return started;
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  for (const started of servers.splice(0)) await started.close();
});

/** Creates a backend, joins it as `self`, and registers cleanup. */
async function join(options: Parameters<typeof createStaticMembership>[0], self = 'a') {
  const backend = createStaticMembership(options);
  cleanups.push(() => backend.close());
  const session = await backend.join(joinRequest({ id: self }));
  return { backend, session, view: trackView(session) };
}

describe('static membership with HTTP probes on loopback', () => {
  it('builds the first snapshot from the first probe round: self plus the peers that answered', async () => {
    const b = await server('ok');
    const failing = await server('fail');
    const { view } = await join({
      members: [
        { id: 'a' },
        { id: 'b', url: b.url },
        { id: 'c', url: await deadUrl() },
        { id: 'd', url: failing.url },
      ],
      probe: { intervalMs: 1000, timeoutMs: 500 },
    });
    expect(view.events[0]?.type).toBe('snapshot');
    expect(view.ids()).toEqual(['a', 'b']);
  });

  it('keeps the local node alive to itself even when its own url does not answer', async () => {
    const { view, session } = await join({ members: [{ id: 'a', url: await deadUrl() }] });
    expect(view.ids()).toEqual(['a']);
    // A static registration cannot expire: there is nothing that could expire it.
    expect(session.deadline()).toBe(Number.POSITIVE_INFINITY);
    expect(session.lock).toBeUndefined();
  });

  it('removes a peer after exactly failureThreshold failures and restores it after successThreshold successes', async () => {
    const b = await server('ok');
    const { session } = await join({
      members: [{ id: 'a' }, { id: 'b', url: b.url }],
      probe: { intervalMs: 20, timeoutMs: 500, failureThreshold: 3, successThreshold: 2 },
    });
    const seen: Array<{ event: MembershipEvent; fail: number; ok: number }> = [];
    session.watchMembers((event) => seen.push({ event, fail: b.served.fail, ok: b.served.ok }));

    b.mode = 'fail';
    await waitFor('b to be deleted', () => seen.some(({ event }) => event.type === 'delete'));
    const deleted = seen.find(({ event }) => event.type === 'delete');
    expect(deleted?.event).toEqual({ type: 'delete', id: 'b' });
    expect(deleted?.fail).toBe(3);

    const okBefore = b.served.ok;
    b.mode = 'ok';
    await waitFor('b to come back', () => seen.some(({ event }) => event.type === 'put'));
    const put = seen.find(({ event }) => event.type === 'put');
    expect(put?.event).toEqual({ type: 'put', member: { id: 'b' } });
    expect((put?.ok ?? 0) - okBefore).toBe(2);
  });

  it('does not flip on failures that a success interrupts', async () => {
    const b = await server('ok');
    const { session, view } = await join({
      members: [{ id: 'a' }, { id: 'b', url: b.url }],
      probe: { intervalMs: 10, timeoutMs: 500, failureThreshold: 2, successThreshold: 1 },
    });
    const answeredAtDelete: number[] = [];
    session.watchMembers((event) => {
      if (event.type === 'delete') answeredAtDelete.push(b.served.ok + b.served.fail);
    });
    const answeredBefore = b.served.ok + b.served.fail;
    // fail, ok, fail, ok, then fail for good: only the first two consecutive failures may remove b.
    b.script.push('fail', 'ok', 'fail', 'ok');
    b.mode = 'fail';
    await waitFor('b to be deleted', () => answeredAtDelete.length > 0);
    expect(answeredAtDelete).toEqual([answeredBefore + 6]);
    expect(view.events.filter((event) => event.type === 'delete')).toHaveLength(1);
  });

  it('counts a peer that never answers as failed after timeoutMs, and sees it recover', async () => {
    const b = await server('hang');
    const started = performance.now();
    const { view } = await join({
      members: [{ id: 'a' }, { id: 'b', url: b.url }],
      probe: { intervalMs: 20, timeoutMs: 150, failureThreshold: 1, successThreshold: 1 },
    });
    const joinedAfter = performance.now() - started;
    expect(b.served.hung).toBeGreaterThanOrEqual(1);
    expect(joinedAfter).toBeGreaterThanOrEqual(140);
    expect(joinedAfter).toBeLessThan(2000);
    expect(view.ids()).toEqual(['a']);

    b.mode = 'ok';
    await waitFor('b to recover', () => view.ids().includes('b'));
    expect(view.events.at(-1)).toEqual({ type: 'put', member: { id: 'b' } });
  });

  it('removes a live peer that starts hanging once failureThreshold probes time out', async () => {
    const b = await server('ok');
    const { session, view } = await join({
      members: [{ id: 'a' }, { id: 'b', url: b.url }],
      probe: { intervalMs: 10, timeoutMs: 100, failureThreshold: 3, successThreshold: 1 },
    });
    expect(view.ids()).toEqual(['a', 'b']);
    const atDelete: Array<{ hung: number; elapsed: number }> = [];
    b.mode = 'hang';
    const since = performance.now();
    session.watchMembers((event) => {
      if (event.type === 'delete') atDelete.push({ hung: b.served.hung, elapsed: performance.now() - since });
    });
    await waitFor('b to be deleted', () => atDelete.length > 0);
    expect(atDelete[0]?.hung).toBe(3);
    // Three probes, each cut off at timeoutMs (timers may fire a little early on some platforms).
    expect(atDelete[0]?.elapsed).toBeGreaterThanOrEqual(3 * 100 - 10);
  });

  it('stops probing on leave and delivers nothing afterwards', async () => {
    const b = await server('ok');
    const { session, view } = await join({
      members: [{ id: 'a' }, { id: 'b', url: b.url }],
      probe: { intervalMs: 10, timeoutMs: 500 },
    });
    await waitFor('a few probes', () => b.served.ok >= 3);
    await session.leave();
    const servedAtLeave = b.served.ok;
    const eventsAtLeave = view.events.length;
    b.mode = 'fail';
    // Absence can only be observed over a window: 20 intervals, during which a live prober would
    // have sent about 20 probes.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(b.served.ok + b.served.fail).toBeLessThanOrEqual(servedAtLeave + 1);
    expect(view.events.length).toBe(eventsAtLeave);
    await session.leave(); // idempotent
    session.close();
  });
});

describe('join', () => {
  it('rejects an id that is not in the list with a ConfigurationError naming it', async () => {
    const backend = createStaticMembership({
      members: [{ id: 'a' }, { id: 'b', url: 'http://127.0.0.1:9' }],
    });
    const joining = backend.join(joinRequest({ id: 'z' }));
    await expect(joining).rejects.toBeInstanceOf(ConfigurationError);
    await expect(joining).rejects.toThrow(/"z" is not in the static member list \("a", "b"\)/);
  });

  it('rejects a joiner whose priority or observer flag disagrees with the list', async () => {
    const backend = createStaticMembership({ members: [{ id: 'a', priority: 1 }], probe: async () => true });
    await expect(backend.join(joinRequest({ id: 'a' }))).rejects.toThrow(/the static list says priority 1/);
    await expect(backend.join(joinRequest({ id: 'a', priority: 1, observer: true }))).rejects.toThrow(
      /observer false/,
    );
  });

  it('rejects when a peer has no url and no probe function exists to check it', async () => {
    const backend = createStaticMembership({
      members: [{ id: 'a', url: 'http://127.0.0.1:9' }, { id: 'b' }],
    });
    await expect(backend.join(joinRequest({ id: 'a' }))).rejects.toThrow(/member "b" has no url/);
  });

  it('with checkDuplicates, rejects a member that already answers at its own url', async () => {
    const self = await server('ok');
    const members = [{ id: 'a', url: self.url }];
    const strict = createStaticMembership({ members, checkDuplicates: true });
    const joining = strict.join(joinRequest({ id: 'a' }));
    await expect(joining).rejects.toBeInstanceOf(DuplicateMemberError);
    await expect(joining).rejects.toThrow(/"a" already answers at http:\/\/127\.0\.0\.1:\d+\/healthz/);
    // Once the other holder is gone, the id is free.
    self.mode = 'fail';
    const session = await strict.join(joinRequest({ id: 'a' }));
    cleanups.push(() => session.close());
    // Off by default: a service usually serves its own /healthz before joining.
    self.mode = 'ok';
    const lenient = await createStaticMembership({ members }).join(joinRequest({ id: 'a' }));
    cleanups.push(() => lenient.close());
    expect(trackView(lenient).ids()).toEqual(['a']);
  });

  it('rejects with the signal reason when aborted during the first probe round', async () => {
    const b = await server('hang');
    const backend = createStaticMembership({
      members: [{ id: 'a' }, { id: 'b', url: b.url }],
      probe: { timeoutMs: 10_000 },
    });
    cleanups.push(() => backend.close());
    const controller = new AbortController();
    const joining = backend.join(joinRequest({ id: 'a' }, controller.signal));
    await waitFor('the first probe to arrive', () => b.served.hung === 1);
    controller.abort(new Error('gave up'));
    await expect(joining).rejects.toThrow('gave up');
  });
});

describe('custom probe functions', () => {
  it('passes the member and a signal, and honours thresholds', async () => {
    const up = new Set(['b']);
    const calls: string[] = [];
    const { view } = await join({
      members: [{ id: 'a' }, { id: 'b', meta: { zone: 'z1' } }, { id: 'c' }],
      probe: {
        intervalMs: 10,
        failureThreshold: 2,
        check: async (member, signal) => {
          calls.push(member.id);
          expect(signal).toBeInstanceOf(AbortSignal);
          return up.has(member.id);
        },
      },
    });
    expect(view.ids()).toEqual(['a', 'b']);
    expect(calls).not.toContain('a');
    up.add('c');
    await waitFor('c to appear', () => view.ids().includes('c'));
    up.delete('b');
    await waitFor('b to go', () => !view.ids().includes('b'));
    expect(view.events.find((event) => event.type === 'put')).toEqual({ type: 'put', member: { id: 'c' } });
  });

  it('counts a probe that throws, returns a non-boolean, or ignores its timeout as failed', async () => {
    const never = new Promise<boolean>(() => {});
    const { view } = await join({
      members: [{ id: 'a' }, { id: 'thrower' }, { id: 'truthy' }, { id: 'stuck' }, { id: 'fine' }],
      probe: {
        timeoutMs: 100,
        check: async (member) => {
          if (member.id === 'thrower') throw new Error('boom');
          if (member.id === 'truthy') return 'yes' as unknown as boolean;
          if (member.id === 'stuck') return never;
          return true;
        },
      },
    });
    expect(view.ids()).toEqual(['a', 'fine']);
  });
});
