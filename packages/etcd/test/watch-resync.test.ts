import { MalformedReporter, type MembershipEvent, silentLogger, systemClock } from '@election/core/adapter';
import { waitFor } from '@election/testing';
import type { EtcdServer } from '@election/tools';
import type { Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { ElectionView } from '../src/election-view.js';
import { watchElection } from '../src/election-watcher.js';
import { createEtcdMembership } from '../src/index.js';
import { keyLayout } from '../src/keys.js';
import { useEtcd } from './support/etcd-suite.js';
import { joinAs, recordingLogger, trackMembers, uniquePrefix } from './support/session-helpers.js';

let etcd: EtcdServer;
let admin: Etcd3;
const cleanups = useEtcd((server, client) => {
  etcd = server;
  admin = client;
});

const memberJson = (id: string) => JSON.stringify({ id, priority: 0, observer: false, meta: {} });

describe('watch resynchronisation', () => {
  it('resumes a watch that etcd cancels after a compaction, with a fresh snapshot', async () => {
    const prefix = uniquePrefix('compact');
    const layout = keyLayout(prefix, 'default');
    await admin.put(layout.memberKey('a')).value(memberJson('a'));
    const stale = BigInt((await admin.kv.range({ key: Buffer.from(layout.memberKey('a')) })).header.revision);
    await admin.put(layout.memberKey('b')).value(memberJson('b'));
    await admin.delete().key(layout.memberKey('a'));
    const latest = (await admin.kv.range({ key: Buffer.from(layout.root) })).header.revision;
    await admin.kv.compact({ revision: latest, physical: true });

    const errors: Error[] = [];
    const view = new ElectionView(layout, new MalformedReporter(silentLogger), recordingLogger(), () => {});
    // Watching from a revision etcd has compacted away: etcd cancels the watch.
    const watcher = watchElection({
      initial: { members: [], holder: null, revision: stale },
      client: admin,
      layout,
      view,
      clock: systemClock,
      logger: recordingLogger(),
      requestTimeoutMs: 2000,
      onError: (error) => errors.push(error),
    });
    cleanups.push(() => watcher.stop());
    const events: MembershipEvent[] = [];
    watcher.watchMembers((event) => events.push(event));
    watcher.start();
    await waitFor(() => events.length >= 2, {
      timeoutMs: 3000,
      message: 'a snapshot after the cancellation',
    });
    expect(
      errors.some((error) =>
        /etcd cancelled the watch: its start revision was compacted/.test(error.message),
      ),
    ).toBe(true);
    expect(events[1]).toEqual({
      type: 'snapshot',
      members: [{ id: 'b', priority: 0, observer: false, meta: {} }],
    });

    await admin.put(layout.memberKey('c')).value(memberJson('c'));
    await waitFor(() => events.length >= 3, { timeoutMs: 2000, message: 'the watch to deliver c' });
    expect(events[2]).toEqual({ type: 'put', member: { id: 'c', priority: 0, observer: false, meta: {} } });
  });

  it('resynchronises after etcd is killed and restarted, losing no change', async (context) => {
    if (!etcd.controllable) context.skip(etcd.notControllableReason);
    const prefix = uniquePrefix('restart');
    const membership = createEtcdMembership({ ...etcd.clientOptions, prefix });
    cleanups.push(() => membership.close());
    const a = await joinAs(membership, { id: 'a' }, { ttlMs: 10_000 });
    cleanups.push(() => a.leave());
    const errors: Error[] = [];
    a.onError((error) => errors.push(error));
    const lost: Error[] = [];
    a.onLost((cause) => lost.push(cause));
    const seen = trackMembers(a);
    await admin.put(`${prefix}/default/members/b`).value(memberJson('b'));
    await waitFor(() => seen.ids().join() === 'a,b', { timeoutMs: 2000, message: 'b to appear' });

    await etcd.kill('SIGKILL');
    await waitFor(() => errors.length > 0, {
      timeoutMs: 3000,
      message: 'the adapter to notice etcd is gone',
    });
    await etcd.restart();
    // Changed right after the restart, possibly before the adapter's watch is back: must not be lost.
    await admin.delete().key(`${prefix}/default/members/b`);
    await admin.put(`${prefix}/default/members/c`).value(memberJson('c'));
    await waitFor(() => seen.ids().join() === 'a,c', { timeoutMs: 5000, message: 'the view to catch up' });
    const snapshots = seen.events.filter((event) => event.type === 'snapshot');
    expect(snapshots.length).toBeGreaterThanOrEqual(2);
    expect(lost).toEqual([]);
    const deadline = a.deadline();
    await waitFor(() => a.deadline() > deadline, { timeoutMs: 5000, message: 'renewals to resume' });
  }, 30_000);

  it('settles leave() within its bound while etcd is down', async (context) => {
    if (!etcd.controllable) context.skip(etcd.notControllableReason);
    const membership = createEtcdMembership({
      ...etcd.clientOptions,
      prefix: uniquePrefix('leave'),
      leaveTimeoutMs: 500,
    });
    cleanups.push(() => membership.close());
    const a = await joinAs(membership, { id: 'a' });
    await etcd.kill('SIGKILL');
    try {
      const started = performance.now();
      await a.leave();
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await etcd.restart();
    }
  }, 30_000);
});
