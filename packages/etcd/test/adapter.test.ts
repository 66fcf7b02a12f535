import {
  BackendUnavailableError,
  ConfigurationError,
  createElector,
  DuplicateMemberError,
  type MembershipSession,
  SessionLostError,
} from '@election/core';
import { waitFor } from '@election/testing';
import { type EtcdServer, freePort } from '@election/tools';
import { Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { checkEtcdTtl, createEtcdMembership, type EtcdMembershipBackend } from '../src/index.js';
import { leaseOfKey, leaseTtl } from './support/admin-client.js';
import { useEtcd } from './support/etcd-suite.js';
import { joinAs, trackMembers, uniquePrefix } from './support/session-helpers.js';

let etcd: EtcdServer;
let admin: Etcd3;
const cleanups = useEtcd((server, client) => {
  etcd = server;
  admin = client;
});

function backend(prefix: string, election = 'default'): EtcdMembershipBackend {
  const created = createEtcdMembership({ ...etcd.clientOptions, prefix, election });
  cleanups.push(() => created.close());
  return created;
}

function keep(session: MembershipSession): MembershipSession {
  cleanups.push(() => session.leave());
  return session;
}

describe('join and key layout', () => {
  it('registers the member under <prefix>/<election>/members/<id>, readable with etcdctl', async () => {
    const prefix = uniquePrefix('layout');
    const membership = backend(prefix, 'orders');
    keep(await joinAs(membership, { id: 'node-1', priority: 2, meta: { zone: 'a' } }));
    const out = await etcd.etcdctl('get', '--prefix', `${prefix}/`);
    expect(out.trim().split('\n')).toEqual([
      `${prefix}/orders/members/node-1`,
      '{"id":"node-1","priority":2,"observer":false,"meta":{"zone":"a"}}',
    ]);
    expect(membership.keys).toEqual({
      root: `${prefix}/orders/`,
      membersPrefix: `${prefix}/orders/members/`,
      leaderKey: `${prefix}/orders/leader`,
    });
  });

  it('binds the member key to a lease with the requested TTL and renews it', async () => {
    const prefix = uniquePrefix('lease');
    const session = keep(await joinAs(backend(prefix), { id: 'a' }, { ttlMs: 3000 }));
    const leaseId = await leaseOfKey(admin, `${prefix}/default/members/a`);
    expect(leaseId).toMatch(/^[1-9][0-9]*$/);
    const firstDeadline = session.deadline();
    // A renewal is due at TTL/3; the deadline moves once it is acknowledged.
    await waitFor(() => session.deadline() > firstDeadline, { timeoutMs: 2500, message: 'a renewal' });
    expect(await leaseTtl(admin, leaseId!)).toBeGreaterThanOrEqual(2);
    const remaining = session.deadline() - (performance.timeOrigin + performance.now());
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(3000);
  });

  it('delivers a snapshot that includes the joining member, then deltas', async () => {
    const prefix = uniquePrefix('view');
    const a = keep(await joinAs(backend(prefix), { id: 'a' }));
    const seen = trackMembers(a);
    expect(seen.events[0]).toEqual({
      type: 'snapshot',
      members: [{ id: 'a', priority: 0, observer: false, meta: {} }],
    });
    const b = await joinAs(backend(prefix), { id: 'b', observer: true });
    await waitFor(() => seen.ids().join() === 'a,b', { timeoutMs: 2000, message: 'b to appear' });
    await b.leave();
    await waitFor(() => seen.ids().join() === 'a', { timeoutMs: 2000, message: 'b to disappear' });
    expect(seen.events.map((event) => event.type)).toEqual(['snapshot', 'put', 'delete']);
  });

  it('rejects a duplicate id and leaves the first holder registered', async () => {
    const prefix = uniquePrefix('dup');
    const first = keep(await joinAs(backend(prefix), { id: 'a' }));
    const leaseBefore = await leaseOfKey(admin, `${prefix}/default/members/a`);
    const error = await joinAs(backend(prefix), { id: 'a' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DuplicateMemberError);
    expect((error as DuplicateMemberError).message).toMatch(
      /^\[@election\/etcd\] Member id "a" is already registered/,
    );
    expect(await leaseOfKey(admin, `${prefix}/default/members/a`)).toBe(leaseBefore);
    const deadline = first.deadline();
    await waitFor(() => first.deadline() > deadline, {
      timeoutMs: 2000,
      message: 'the first holder to keep renewing',
    });
  });

  it('takes over its own abandoned registration instead of reporting a duplicate', async () => {
    const prefix = uniquePrefix('abandon');
    const membership = backend(prefix);
    const old = await joinAs(membership, { id: 'a' });
    const oldLease = (await leaseOfKey(admin, `${prefix}/default/members/a`))!;
    old.close(); // walks away: key and lease stay until the TTL runs out
    expect(await leaseOfKey(admin, `${prefix}/default/members/a`)).toBe(oldLease);
    keep(await joinAs(membership, { id: 'a' }));
    const newLease = await leaseOfKey(admin, `${prefix}/default/members/a`);
    expect(newLease).not.toBe(oldLease);
    expect(await leaseTtl(admin, oldLease)).toBe(-1);
  });

  it('rejects TTLs etcd cannot honour, through core and the exposed check', async () => {
    const membership = backend(uniquePrefix('ttl'));
    for (const ttlMs of [1000, 2500, 1999, Number.NaN]) {
      // core checks the TTL against the capabilities once, for every backend; join does not again.
      expect(() => createElector({ id: 'a', membership, ttlMs })).toThrow(ConfigurationError);
      expect(() => membership.checkTtl(ttlMs)).toThrow(ConfigurationError);
    }
    expect(() => checkEtcdTtl(2500)).toThrow(/whole number of seconds.*Use 2000/);
    expect(checkEtcdTtl(2000)).toBe(2000);
    expect(membership.capabilities).toEqual({
      lock: true,
      minTtlMs: 2000,
      maxTtlMs: 86_400_000,
      wholeSecondTtl: true,
      defaultTtlMs: 10_000,
    });
  });

  it('rejects bad options with a ConfigurationError that says what to change', () => {
    const client = new Etcd3({ hosts: etcd.endpoints });
    cleanups.push(() => client.close());
    expect(() => createEtcdMembership({ client, endpoints: etcd.endpoints })).toThrow(
      /either client or connection/,
    );
    expect(() => createEtcdMembership({ election: 'a/b' })).toThrow(ConfigurationError);
    expect(() => createEtcdMembership({ prefix: '' })).toThrow(ConfigurationError);
    expect(() => createEtcdMembership({ endpoints: [] })).toThrow(ConfigurationError);
    expect(() => createEtcdMembership({ endpoints: 'http://root:secret@127.0.0.1:2379' })).toThrow(
      /must not contain credentials/,
    );
    expect(() => createEtcdMembership({ defaultTtlMs: 1500 })).toThrow(ConfigurationError);
  });

  it('rejects quickly with BackendUnavailableError when etcd is not there', async () => {
    const port = await freePort();
    const membership = createEtcdMembership({
      endpoints: `http://127.0.0.1:${port}`,
      prefix: uniquePrefix('down'),
    });
    cleanups.push(() => membership.close());
    const started = performance.now();
    const error = await joinAs(membership, { id: 'a' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(/^\[@election\/etcd\] Could not grant an etcd lease/);
    expect(performance.now() - started).toBeLessThan(2500);
  });

  it('uses a caller-provided client and does not close it', async () => {
    const client = new Etcd3({ hosts: etcd.endpoints });
    cleanups.push(() => client.close());
    const prefix = uniquePrefix('client');
    const membership = createEtcdMembership({ client, prefix });
    const session = await joinAs(membership, { id: 'a' });
    await session.leave();
    await membership.close();
    await client.put(`${prefix}/still-usable`).value('yes');
    expect(await client.get(`${prefix}/still-usable`).string()).toBe('yes');
  });
});

describe('shared client', () => {
  it('sessions come and go without disturbing another session on the same client', async () => {
    const client = new Etcd3({ hosts: etcd.endpoints });
    cleanups.push(() => client.close());
    const prefix = uniquePrefix('shared');
    const steady = keep(await joinAs(createEtcdMembership({ client, prefix }), { id: 'steady' }));
    const errors: Error[] = [];
    steady.onError((error) => errors.push(error));
    const seen = trackMembers(steady);
    for (let round = 0; round < 4; round++) {
      const passing = await joinAs(createEtcdMembership({ client, prefix }), { id: `passing-${round}` });
      await waitFor(() => seen.ids().length === 2, {
        timeoutMs: 2000,
        message: 'the passing member to appear',
      });
      await passing.leave();
      await waitFor(() => seen.ids().length === 1, { timeoutMs: 2000, message: 'the passing member to go' });
    }
    // One snapshot (the first), deltas only afterwards: the steady watch never had to resync.
    expect(seen.events.filter((event) => event.type === 'snapshot')).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});

describe('lease loss', () => {
  it('reports the session lost at once when the lease is revoked behind its back', async () => {
    const prefix = uniquePrefix('revoked');
    const session = await joinAs(backend(prefix), { id: 'a' });
    const lost: Error[] = [];
    session.onLost((cause) => lost.push(cause));
    const leaseId = (await leaseOfKey(admin, `${prefix}/default/members/a`))!;
    const revokedAt = performance.now();
    await admin.leaseClient.leaseRevoke({ ID: leaseId });
    await waitFor(() => lost.length > 0, { timeoutMs: 1000, message: 'onLost after the revocation' });
    expect(performance.now() - revokedAt).toBeLessThan(1000);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeInstanceOf(SessionLostError);
    await expect(session.lock!.tryAcquire()).rejects.toBeInstanceOf(SessionLostError);
    session.close();
  });

  it('reports the session lost when its member key is deleted, and frees its lock', async () => {
    const prefix = uniquePrefix('deleted');
    const session = await joinAs(backend(prefix), { id: 'a' });
    expect(await session.lock!.tryAcquire()).not.toBeNull();
    const lost: Error[] = [];
    session.onLost((cause) => lost.push(cause));
    await admin.delete().key(`${prefix}/default/members/a`);
    await waitFor(() => lost.length > 0, { timeoutMs: 1000, message: 'onLost after the deletion' });
    expect(lost[0]?.message).toMatch(/member key of "a" was deleted/);
    await waitFor(async () => (await leaseOfKey(admin, `${prefix}/default/leader`)) === undefined, {
      timeoutMs: 2000,
      message: 'the leader key to go with the revoked lease',
    });
    session.close();
  });
});
